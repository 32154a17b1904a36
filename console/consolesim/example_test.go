package consolesim_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/aipflow/runner/console"
	"github.com/aipflow/runner/console/consolesim"
)

// Serve a simulator seeded with the demo applications and list them the
// way a Console client does.
func ExampleNew() {
	sim := consolesim.New(consolesim.Options{APIKey: "secret"})
	consolesim.SeedDemo(sim)
	srv := httptest.NewServer(sim)
	defer srv.Close()

	req, err := http.NewRequest(http.MethodGet, srv.URL+"/api/applications", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	req.Header.Set("X-API-KEY", "secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()

	var list console.ApplicationList
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range list.Applications {
		fmt.Println(a.Name, len(sim.Versions(a.GUID)))
	}
	// Output:
	// demo-app 1
	// billing 2
	// webi 1
}

// Make a simulator throttle every request, as a Console behind a busy
// proxy would, and read the delay it asks for.
func ExampleServer_SetFaults() {
	sim := consolesim.New(consolesim.Options{APIKey: "secret"})
	err := sim.SetFaults(consolesim.Faults{ThrottleRate: 1, RetryAfter: 2 * time.Second})
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()

	req, err := http.NewRequest(http.MethodGet, srv.URL+"/api/", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	req.Header.Set("X-API-KEY", "secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, resp.Header.Get("Retry-After"), sim.Stats().Faults)
	// Output:
	// 429 2 map[throttle:1]
}
