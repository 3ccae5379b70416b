// Command interop runs a firewall's whole life through the official Go SDK against an opencfw endpoint.
//
// Input (environment): OPENCFW_ENDPOINT (e.g. http://127.0.0.1:9449), CLOUD_SDK_AK, CLOUD_SDK_SK,
// OPENCFW_PROJECT_ID; the first two arguments, when given, replace the endpoint and the project id.
// Output: one line per check, "CHECK name ok detail" or "CHECK name FAIL detail", then "RESULT ok" or
// "RESULT FAIL n". The exit status is non-zero on any failed check.
package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	cfw "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/cfw/v1"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/cfw/v1/model"
)

const (
	unknownJob = "00000000-0000-4000-8000-000000000000"
	jobTimeout = 60 * time.Second
)

var requestIdPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

type checker struct{ failures int }

func (c *checker) check(name string, ok bool, format string, args ...any) {
	word := "ok"
	if !ok {
		word = "FAIL"
		c.failures++
	}
	fmt.Printf("CHECK %s %s %s\n", name, word, fmt.Sprintf(format, args...))
}

func mustEnv(name string) string {
	value := os.Getenv(name)
	if value == "" {
		fmt.Printf("RESULT FAIL environment variable %s is not set\n", name)
		os.Exit(2)
	}
	return value
}

func newClient(endpoint, ak, sk, projectId string) (*cfw.CfwClient, error) {
	auth, err := basic.NewCredentialsBuilder().WithAk(ak).WithSk(sk).WithProjectId(projectId).SafeBuild()
	if err != nil {
		return nil, err
	}
	hcClient, err := cfw.CfwClientBuilder().WithEndpoints([]string{endpoint}).WithCredential(auth).SafeBuild()
	if err != nil {
		return nil, err
	}
	return cfw.NewCfwClient(hcClient), nil
}

// waitJob polls ListJob the way users do, until the job is no longer Running.
func waitJob(client *cfw.CfwClient, jobId string) (*model.GetCreateFirewallJobResponseData, error) {
	deadline := time.Now().Add(jobTimeout)
	for {
		response, err := client.ListJob(&model.ListJobRequest{JobId: jobId})
		if err != nil {
			return nil, err
		}
		data := response.Data
		if data == nil || data.Status == nil {
			return nil, fmt.Errorf("ListJob answered without data.status")
		}
		if data.Status.Value() != "Running" || time.Now().After(deadline) {
			return data, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func detail(client *cfw.CfwClient, firewallId string) (*model.GetFirewallInstanceResponseRecord, error) {
	response, err := client.ListFirewallDetail(&model.ListFirewallDetailRequest{
		Offset: 0, Limit: 10, ServiceType: 0, FwInstanceId: &firewallId,
	})
	if err != nil {
		return nil, err
	}
	if response.Data == nil || response.Data.Records == nil {
		return nil, nil
	}
	for _, record := range *response.Data.Records {
		if record.FwInstanceId != nil && *record.FwInstanceId == firewallId {
			r := record
			return &r, nil
		}
	}
	return nil, nil
}

func str(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

func num(p *int32) string {
	if p == nil {
		return "<nil>"
	}
	return fmt.Sprint(*p)
}

func jobStatus(data *model.GetCreateFirewallJobResponseData) string {
	if data == nil || data.Status == nil {
		return "<nil>"
	}
	return data.Status.Value()
}

// serviceError returns the SDK's error for an answer other than 2xx, or nil.
func serviceError(err error) *sdkerr.ServiceResponseError {
	var se *sdkerr.ServiceResponseError
	if errors.As(err, &se) {
		return se
	}
	return nil
}

func errorLine(se *sdkerr.ServiceResponseError) string {
	return fmt.Sprintf("status=%d code=%s request_id=%s msg=%s", se.StatusCode, se.ErrorCode, se.RequestId, se.ErrorMessage)
}

// runSeed runs the page's sample in this process and returns what it printed.
func runSeed(projectId, jobId string) string {
	read, write, err := os.Pipe()
	if err != nil {
		return err.Error()
	}
	stdout := os.Stdout
	os.Stdout = write
	done := make(chan string)
	go func() {
		out, _ := io.ReadAll(read)
		done <- string(out)
	}()
	listJobSolution(projectId, jobId)
	os.Stdout = stdout
	write.Close()
	return strings.TrimSpace(<-done)
}

func run(c *checker, endpoint, ak, sk, projectId string) error {
	client, err := newClient(endpoint, ak, sk, projectId)
	if err != nil {
		return err
	}
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	name := "go-sdk-" + hex.EncodeToString(suffix)

	// create a pay-per-use firewall
	key, value := "client", "go-sdk"
	created, err := client.CreateFirewall(&model.CreateFirewallRequest{Body: &model.CreateFirewallReq{
		Name:       name,
		Flavor:     &model.CreateFirewallReqFlavor{Version: model.GetCreateFirewallReqFlavorVersionEnum().PROFESSIONAL},
		ChargeInfo: &model.CreateFirewallReqChargeInfo{ChargeMode: "postPaid", IsAutoRenew: false, IsAutoPay: true},
		Tags:       &[]model.CreateFirewallReqTags{{Key: &key, Value: &value}},
	}})
	if err != nil {
		return err
	}
	jobId := str(created.JobId)
	c.check("create", created.HttpStatusCode == 200 && created.JobId != nil && jobId != "" &&
		(created.OrderId == nil || *created.OrderId == ""),
		"http=%d job_id=%s order_id=%s", created.HttpStatusCode, jobId, str(created.OrderId))
	if created.JobId == nil {
		return nil
	}

	job, err := waitJob(client, jobId)
	if err != nil {
		return err
	}
	c.check("create_job", jobStatus(job) == "Success" && str(job.Id) == jobId, "id=%s status=%s", str(job.Id), jobStatus(job))
	c.check("job_times", job.BeginTime != nil && strings.HasSuffix(*job.BeginTime, "Z") &&
		job.EndTime != nil && strings.HasSuffix(*job.EndTime, "Z"),
		"begin_time=%s end_time=%s", str(job.BeginTime), str(job.EndTime))

	// the API page's own sample, on the same job
	seed := runSeed(projectId, jobId)
	c.check("seed_list_job", strings.Contains(seed, jobId) && strings.Contains(seed, `"status":"Success"`),
		"%s", seed)

	// detail: the job id is the firewall id
	record, err := detail(client, jobId)
	if err != nil {
		return err
	}
	if record == nil {
		c.check("detail", false, "no record")
	} else {
		c.check("detail", str(record.FwInstanceName) == name && num(record.Status) == "2" &&
			num(record.ChargeMode) == "1" && str(record.ResourceId) == jobId && strings.Contains(str(record.Tags), "go-sdk"),
			"name=%s status=%s charge_mode=%s tags=%s", str(record.FwInstanceName), num(record.Status),
			num(record.ChargeMode), str(record.Tags))
	}

	// rename
	renamed := name + "-renamed"
	rename, err := client.UpdateFirewallName(&model.UpdateFirewallNameRequest{
		FwInstanceId: jobId, Body: &model.UpdateFirewallNameDto{FwInstanceName: renamed},
	})
	if err != nil {
		return err
	}
	if rename.Data == nil {
		c.check("rename", false, "http=%d no data", rename.HttpStatusCode)
	} else {
		c.check("rename", rename.HttpStatusCode == 200 && str(rename.Data.Id) == jobId && str(rename.Data.Name) == renamed,
			"http=%d id=%s name=%s", rename.HttpStatusCode, str(rename.Data.Id), str(rename.Data.Name))
	}
	record, err = detail(client, jobId)
	if err != nil {
		return err
	}
	if record == nil {
		c.check("detail_renamed", false, "no record")
	} else {
		c.check("detail_renamed", str(record.FwInstanceName) == renamed, "name=%s", str(record.FwInstanceName))
	}

	// delete, and poll the deletion task
	deleted, err := client.DeleteFirewall(&model.DeleteFirewallRequest{ResourceId: jobId})
	if err != nil {
		return err
	}
	taskId := str(deleted.Data)
	c.check("delete", deleted.HttpStatusCode == 200 && deleted.Data != nil && taskId != "",
		"http=%d task=%s", deleted.HttpStatusCode, taskId)
	if deleted.Data != nil && taskId != "" {
		task, err := waitJob(client, taskId)
		if err != nil {
			return err
		}
		c.check("delete_job", jobStatus(task) == "Success", "id=%s status=%s", str(task.Id), jobStatus(task))
	}
	record, err = detail(client, jobId)
	if se := serviceError(err); se != nil {
		c.check("gone", se.StatusCode == 400 && se.ErrorCode == "CFW.00200005", "%s", errorLine(se))
	} else if err != nil {
		return err
	} else if record != nil {
		c.check("gone", false, "still listed with status %s", num(record.Status))
	} else {
		c.check("gone", true, "no record")
	}

	// an unknown job: the SDK's error with the API's code
	_, err = client.ListJob(&model.ListJobRequest{JobId: unknownJob})
	if se := serviceError(err); se != nil {
		c.check("unknown_job", se.StatusCode == 400 && se.ErrorCode == "CFW.00200005" &&
			requestIdPattern.MatchString(se.RequestId), "%s", errorLine(se))
	} else {
		c.check("unknown_job", false, "no ServiceResponseError: %v", err)
	}
	seedError := runSeed(projectId, unknownJob)
	c.check("seed_unknown_job", strings.Contains(seedError, `"status_code":400`) &&
		strings.Contains(seedError, `"error_code":"CFW.00200005"`), "%s", seedError)

	// a wrong secret key
	wrong, err := newClient(endpoint, ak, sk+"-wrong", projectId)
	if err != nil {
		return err
	}
	_, err = wrong.ListJob(&model.ListJobRequest{JobId: jobId})
	if se := serviceError(err); se != nil {
		c.check("wrong_sk", se.StatusCode == 401 && se.ErrorCode == "APIGW.0301", "%s", errorLine(se))
	} else {
		c.check("wrong_sk", false, "no ServiceResponseError: %v", err)
	}
	return nil
}

func main() {
	endpoint, projectId := "", ""
	if len(os.Args) > 1 {
		endpoint = os.Args[1]
	} else {
		endpoint = mustEnv("OPENCFW_ENDPOINT")
	}
	if len(os.Args) > 2 {
		projectId = os.Args[2]
	} else {
		projectId = mustEnv("OPENCFW_PROJECT_ID")
	}
	c := &checker{}
	if err := run(c, endpoint, mustEnv("CLOUD_SDK_AK"), mustEnv("CLOUD_SDK_SK"), projectId); err != nil {
		detail := err.Error()
		if se := serviceError(err); se != nil {
			detail = errorLine(se)
		}
		c.check("unexpected", false, "%s", detail)
	}
	if c.failures > 0 {
		fmt.Printf("RESULT FAIL %d\n", c.failures)
		os.Exit(1)
	}
	fmt.Println("RESULT ok")
}
