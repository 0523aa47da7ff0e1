// kstatus computes the kstatus result (sigs.k8s.io/cli-utils/pkg/kstatus/status: what Flux's health checks and
// cli-utils use) of Kubernetes objects given as JSON files: one JSON line each, {"file","status","message"}.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
)

func main() {
	enc := json.NewEncoder(os.Stdout)
	for _, f := range os.Args[1:] {
		raw, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(raw); err != nil {
			fmt.Fprintln(os.Stderr, f, err)
			os.Exit(1)
		}
		r, err := status.Compute(u)
		if err != nil {
			fmt.Fprintln(os.Stderr, f, err)
			os.Exit(1)
		}
		_ = enc.Encode(map[string]string{"file": f, "status": r.Status.String(), "message": r.Message})
	}
}
