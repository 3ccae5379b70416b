package opencfw.interop;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.huaweicloud.sdk.core.HcClient;
import com.huaweicloud.sdk.core.SdkResponse;
import com.huaweicloud.sdk.core.http.FieldExistence;
import com.huaweicloud.sdk.core.http.HttpMethod;
import com.huaweicloud.sdk.core.http.HttpRequestDef;
import com.huaweicloud.sdk.core.http.LocationType;

/**
 * Renaming a firewall (PUT /v1/{project_id}/firewall/name?fw_instance_id=...).
 *
 * <p>The CFW client of huaweicloud-sdk-cfw 3.1.130 (the newest 3.1.x served here) has no rename call, so
 * this defines one the way the SDK defines its own: an HttpRequestDef run by the SDK's HcClient, which
 * signs the request, raises the SDK's exceptions and fills in the response. Built with the SDK's own
 * ClientBuilder, so the endpoint and credentials are set exactly as for CfwClient.
 */
public final class UpdateFirewallName {

    /** The request body: {"fw_instance_name": "..."}. */
    public static class Body {
        @JsonProperty("fw_instance_name")
        private String fwInstanceName;

        public Body() {}

        public Body(String fwInstanceName) {
            this.fwInstanceName = fwInstanceName;
        }

        public String getFwInstanceName() {
            return fwInstanceName;
        }

        public void setFwInstanceName(String fwInstanceName) {
            this.fwInstanceName = fwInstanceName;
        }
    }

    public static class Request {
        private String fwInstanceId;
        private Body body;

        public Request withFwInstanceId(String fwInstanceId) {
            this.fwInstanceId = fwInstanceId;
            return this;
        }

        public Request withBody(Body body) {
            this.body = body;
            return this;
        }

        public String getFwInstanceId() {
            return fwInstanceId;
        }

        public void setFwInstanceId(String fwInstanceId) {
            this.fwInstanceId = fwInstanceId;
        }

        public Body getBody() {
            return body;
        }

        public void setBody(Body body) {
            this.body = body;
        }
    }

    /** The answer: {"data": {"id": "...", "name": "..."}}. */
    public static class Data {
        @JsonProperty("id")
        private String id;

        @JsonProperty("name")
        private String name;

        public String getId() {
            return id;
        }

        public void setId(String id) {
            this.id = id;
        }

        public String getName() {
            return name;
        }

        public void setName(String name) {
            this.name = name;
        }
    }

    public static class Response extends SdkResponse {
        @JsonProperty("data")
        private Data data;

        public Data getData() {
            return data;
        }

        public void setData(Data data) {
            this.data = data;
        }
    }

    public static final HttpRequestDef<Request, Response> DEF = define();

    private static HttpRequestDef<Request, Response> define() {
        HttpRequestDef.Builder<Request, Response> builder =
                HttpRequestDef.builder(HttpMethod.PUT, Request.class, Response.class)
                        .withName("UpdateFirewallName")
                        .withUri("/v1/{project_id}/firewall/name")
                        .withContentType("application/json");
        builder.<String>withRequestField("fw_instance_id", LocationType.Query, FieldExistence.NON_NULL_NON_EMPTY,
                String.class, f -> f.withMarshaller(Request::getFwInstanceId, Request::setFwInstanceId));
        builder.<Body>withRequestField("body", LocationType.Body, FieldExistence.NON_NULL_NON_EMPTY,
                Body.class, f -> f.withMarshaller(Request::getBody, Request::setBody));
        return builder.build();
    }

    /** A client for this one call, made by the SDK's ClientBuilder. */
    public static class Client {
        private final HcClient hcClient;

        public Client(HcClient hcClient) {
            this.hcClient = hcClient;
        }

        public Response updateFirewallName(Request request) {
            return hcClient.syncInvokeHttp(request, DEF);
        }
    }

    private UpdateFirewallName() {}
}
