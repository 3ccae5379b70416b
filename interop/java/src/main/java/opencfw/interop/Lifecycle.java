package opencfw.interop;

import com.huaweicloud.sdk.cfw.v1.CfwClient;
import com.huaweicloud.sdk.cfw.v1.model.CreateFirewallReq;
import com.huaweicloud.sdk.cfw.v1.model.CreateFirewallReqChargeInfo;
import com.huaweicloud.sdk.cfw.v1.model.CreateFirewallReqFlavor;
import com.huaweicloud.sdk.cfw.v1.model.CreateFirewallReqTags;
import com.huaweicloud.sdk.cfw.v1.model.CreateFirewallRequest;
import com.huaweicloud.sdk.cfw.v1.model.CreateFirewallResponse;
import com.huaweicloud.sdk.cfw.v1.model.DeleteFirewallRequest;
import com.huaweicloud.sdk.cfw.v1.model.DeleteFirewallResponse;
import com.huaweicloud.sdk.cfw.v1.model.GetCreateFirewallJobResponseData;
import com.huaweicloud.sdk.cfw.v1.model.GetFirewallInstanceResponseRecord;
import com.huaweicloud.sdk.cfw.v1.model.ListFirewallDetailRequest;
import com.huaweicloud.sdk.cfw.v1.model.ListFirewallDetailResponse;
import com.huaweicloud.sdk.cfw.v1.model.ListJobRequest;
import com.huaweicloud.sdk.core.ClientBuilder;
import com.huaweicloud.sdk.core.auth.BasicCredentials;
import com.huaweicloud.sdk.core.auth.ICredential;
import com.huaweicloud.sdk.core.exception.ClientRequestException;
import com.huaweicloud.sdk.core.exception.ServiceResponseException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * A firewall's whole life through the official Java SDK, against the endpoint given.
 *
 * <p>Input (environment): OPENCFW_ENDPOINT (e.g. http://127.0.0.1:9449), CLOUD_SDK_AK, CLOUD_SDK_SK,
 * OPENCFW_PROJECT_ID; the first two arguments, when given, replace the endpoint and the project id.
 * Output: one line per check, "CHECK name ok detail" or "CHECK name FAIL detail", then "RESULT ok" or
 * "RESULT FAIL n". The exit status is non-zero on any failed check.
 */
public final class Lifecycle {

    private static final String UNKNOWN_JOB = "00000000-0000-4000-8000-000000000000";
    private static final long JOB_TIMEOUT_MS = 60_000;

    private int failures;

    private void check(String name, boolean ok, String detail) {
        System.out.println("CHECK " + name + (ok ? " ok " : " FAIL ") + detail);
        if (!ok) {
            failures++;
        }
    }

    private static String env(String name) {
        String value = System.getenv(name);
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("environment variable " + name + " is not set");
        }
        return value;
    }

    private static CfwClient client(String endpoint, String ak, String sk, String projectId) {
        ICredential auth = new BasicCredentials().withProjectId(projectId).withAk(ak).withSk(sk);
        return CfwClient.newBuilder().withCredential(auth).withEndpoints(List.of(endpoint)).build();
    }

    /** Poll ListJob the way users do, until the job is no longer Running. */
    private static GetCreateFirewallJobResponseData waitJob(CfwClient cfw, String jobId) throws InterruptedException {
        long deadline = System.currentTimeMillis() + JOB_TIMEOUT_MS;
        while (true) {
            GetCreateFirewallJobResponseData data = cfw.listJob(new ListJobRequest().withJobId(jobId)).getData();
            String status = String.valueOf(data.getStatus());
            if (!"Running".equals(status) || System.currentTimeMillis() > deadline) {
                return data;
            }
            Thread.sleep(100);
        }
    }

    private static ListFirewallDetailResponse detail(CfwClient cfw, String firewallId) {
        return cfw.listFirewallDetail(new ListFirewallDetailRequest()
                .withOffset(0).withLimit(10).withServiceType(0).withFwInstanceId(firewallId));
    }

    private static GetFirewallInstanceResponseRecord record(ListFirewallDetailResponse response, String firewallId) {
        if (response.getData() == null || response.getData().getRecords() == null) {
            return null;
        }
        for (GetFirewallInstanceResponseRecord r : response.getData().getRecords()) {
            if (firewallId.equals(r.getFwInstanceId())) {
                return r;
            }
        }
        return null;
    }

    private static String errorLine(ServiceResponseException e) {
        return "status=" + e.getHttpStatusCode() + " code=" + e.getErrorCode() + " request_id=" + e.getRequestId()
                + " msg=" + e.getErrorMsg();
    }

    /** Run the page's sample in this process and return what it printed. */
    private static String runSeed(String projectId, String jobId) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream capture = new PrintStream(buffer, true, StandardCharsets.UTF_8);
        System.setOut(capture);
        System.setErr(capture);
        try {
            ListJobSolution.main(new String[] {projectId, jobId});
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        return buffer.toString(StandardCharsets.UTF_8);
    }

    private int run(String endpoint, String ak, String sk, String projectId) throws InterruptedException {
        CfwClient cfw = client(endpoint, ak, sk, projectId);
        String name = "java-sdk-" + UUID.randomUUID().toString().substring(0, 8);

        // create a pay-per-use firewall
        CreateFirewallResponse created = cfw.createFirewall(new CreateFirewallRequest().withBody(new CreateFirewallReq()
                .withName(name)
                .withFlavor(new CreateFirewallReqFlavor().withVersion(CreateFirewallReqFlavor.VersionEnum.PROFESSIONAL))
                .withChargeInfo(new CreateFirewallReqChargeInfo()
                        .withChargeMode("postPaid").withIsAutoRenew(false).withIsAutoPay(true))
                .withTags(List.of(new CreateFirewallReqTags().withKey("client").withValue("java-sdk")))));
        String jobId = created.getJobId();
        check("create", created.getHttpStatusCode() == 200 && jobId != null && !jobId.isEmpty()
                && (created.getOrderId() == null || created.getOrderId().isEmpty()),
                "http=" + created.getHttpStatusCode() + " job_id=" + jobId + " order_id=" + created.getOrderId());
        if (jobId == null) {
            return finish();
        }

        GetCreateFirewallJobResponseData job = waitJob(cfw, jobId);
        check("create_job", "Success".equals(String.valueOf(job.getStatus())) && jobId.equals(job.getId()),
                "id=" + job.getId() + " status=" + job.getStatus());
        check("job_times", job.getBeginTime() != null && job.getEndTime() != null,
                "begin_time=" + job.getBeginTime() + " end_time=" + job.getEndTime());

        // the API page's own sample, on the same job
        String seed = runSeed(projectId, jobId);
        check("seed_list_job", seed.contains(jobId) && seed.contains("Success") && !seed.contains("Exception"),
                seed.replace('\n', ' ').replaceAll(" +", " ").trim());

        // detail: the job id is the firewall id
        GetFirewallInstanceResponseRecord rec = record(detail(cfw, jobId), jobId);
        check("detail", rec != null && name.equals(rec.getFwInstanceName()) && Objects.equals(rec.getStatus(), 2)
                && Objects.equals(rec.getChargeMode(), 1) && jobId.equals(rec.getResourceId())
                && rec.getTags() != null && rec.getTags().contains("java-sdk"),
                rec == null ? "no record" : "name=" + rec.getFwInstanceName() + " status=" + rec.getStatus()
                        + " charge_mode=" + rec.getChargeMode() + " tags=" + rec.getTags());

        // rename
        String renamed = name + "-renamed";
        UpdateFirewallName.Client names = new ClientBuilder<>(UpdateFirewallName.Client::new)
                .withCredential(new BasicCredentials().withProjectId(projectId).withAk(ak).withSk(sk))
                .withEndpoints(List.of(endpoint))
                .build();
        UpdateFirewallName.Response rename = names.updateFirewallName(new UpdateFirewallName.Request()
                .withFwInstanceId(jobId).withBody(new UpdateFirewallName.Body(renamed)));
        check("rename", rename.getHttpStatusCode() == 200 && rename.getData() != null
                && jobId.equals(rename.getData().getId()) && renamed.equals(rename.getData().getName()),
                "http=" + rename.getHttpStatusCode()
                        + (rename.getData() == null ? " no data" : " id=" + rename.getData().getId()
                        + " name=" + rename.getData().getName()));
        rec = record(detail(cfw, jobId), jobId);
        check("detail_renamed", rec != null && renamed.equals(rec.getFwInstanceName()),
                rec == null ? "no record" : "name=" + rec.getFwInstanceName());

        // delete, and poll the deletion task
        DeleteFirewallResponse deleted = cfw.deleteFirewall(new DeleteFirewallRequest().withResourceId(jobId));
        String taskId = deleted.getData();
        check("delete", deleted.getHttpStatusCode() == 200 && taskId != null && !taskId.isEmpty(),
                "http=" + deleted.getHttpStatusCode() + " task=" + taskId);
        if (taskId != null && !taskId.isEmpty()) {
            GetCreateFirewallJobResponseData task = waitJob(cfw, taskId);
            check("delete_job", "Success".equals(String.valueOf(task.getStatus())),
                    "id=" + task.getId() + " status=" + task.getStatus());
        }
        try {
            rec = record(detail(cfw, jobId), jobId);
            check("gone", rec == null, rec == null ? "no record" : "still listed with status " + rec.getStatus());
        } catch (ClientRequestException e) {
            check("gone", e.getHttpStatusCode() == 400 && "CFW.00200005".equals(e.getErrorCode()), errorLine(e));
        }

        // an unknown job: the SDK's exception with the API's code
        try {
            cfw.listJob(new ListJobRequest().withJobId(UNKNOWN_JOB));
            check("unknown_job", false, "no exception");
        } catch (ClientRequestException e) {
            check("unknown_job", e.getHttpStatusCode() == 400 && "CFW.00200005".equals(e.getErrorCode())
                    && e.getRequestId() != null && e.getRequestId().matches("[0-9a-f]{32}"), errorLine(e));
        }
        String seedError = runSeed(projectId, UNKNOWN_JOB);
        check("seed_unknown_job", seedError.contains("ClientRequestException") && seedError.contains("CFW.00200005"),
                seedError.lines().filter(l -> !l.startsWith("\tat ")).reduce("", (a, b) -> a + " " + b).trim());

        // a wrong secret key
        try {
            client(endpoint, ak, sk + "-wrong", projectId).listJob(new ListJobRequest().withJobId(jobId));
            check("wrong_sk", false, "no exception");
        } catch (ClientRequestException e) {
            check("wrong_sk", e.getHttpStatusCode() == 401 && "APIGW.0301".equals(e.getErrorCode()), errorLine(e));
        }
        return finish();
    }

    private int finish() {
        System.out.println(failures == 0 ? "RESULT ok" : "RESULT FAIL " + failures);
        return failures == 0 ? 0 : 1;
    }

    public static void main(String[] args) throws Exception {
        String endpoint = args.length > 0 ? args[0] : env("OPENCFW_ENDPOINT");
        String projectId = args.length > 1 ? args[1] : env("OPENCFW_PROJECT_ID");
        int status;
        try {
            status = new Lifecycle().run(endpoint, env("CLOUD_SDK_AK"), env("CLOUD_SDK_SK"), projectId);
        } catch (ServiceResponseException e) {
            System.out.println("CHECK unexpected FAIL " + e.getClass().getSimpleName() + " " + errorLine(e));
            System.out.println("RESULT FAIL unexpected exception");
            status = 1;
        }
        System.exit(status);
    }
}
