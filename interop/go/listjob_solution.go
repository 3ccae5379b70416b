package main

// The Go sample of the CFW API page "ListJob", as published, made a function so that the lifecycle can
// run it. Two changes only: the page's placeholders {project_id} and {job_id} are the arguments, and the
// region is served by opencfw through the SDK's own region override
// (HUAWEICLOUD_SDK_REGION_CFW_CN_NORTH_4=<endpoint>).

import (
	"fmt"
	"os"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	cfw "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/cfw/v1"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/cfw/v1/model"
	region "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/cfw/v1/region"
)

func listJobSolution(projectIdArg string, jobIdArg string) {
	// The AK and SK used for authentication are hard-coded or stored in plaintext, which has great security risks. It is recommended that the AK and SK be stored in ciphertext in configuration files or environment variables and decrypted during use to ensure security.
	// In this example, AK and SK are stored in environment variables for authentication. Before running this example, set environment variables CLOUD_SDK_AK and CLOUD_SDK_SK in the local environment
	ak := os.Getenv("CLOUD_SDK_AK")
	sk := os.Getenv("CLOUD_SDK_SK")
	projectId := projectIdArg

	auth, err := basic.NewCredentialsBuilder().
		WithAk(ak).
		WithSk(sk).
		WithProjectId(projectId).
		SafeBuild()
	if err != nil {
		fmt.Println(err)
		return
	}

	reg, err := region.SafeValueOf("cn-north-4")
	if err != nil {
		fmt.Println(err)
		return
	}

	hcClient, err := cfw.CfwClientBuilder().
		WithRegion(reg).
		WithCredential(auth).
		SafeBuild()
	if err != nil {
		fmt.Println(err)
		return
	}

	client := cfw.NewCfwClient(hcClient)

	request := &model.ListJobRequest{}
	request.JobId = jobIdArg
	response, err := client.ListJob(request)
	if err == nil {
		fmt.Printf("%+v\n", response)
	} else {
		fmt.Println(err)
	}
}
