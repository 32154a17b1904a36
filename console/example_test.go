package console_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/aipflow/runner/console"
	"github.com/aipflow/runner/console/consolesim"
)

// The example runs an add_version job on a simulated Console and waits for
// it, printing each step as the Console reports it.
func Example() {
	sim := consolesim.New(consolesim.Options{APIKey: "my-key", StepTime: time.Millisecond})
	consolesim.SeedDemo(sim)
	srv := httptest.NewServer(sim)
	defer srv.Close()

	c, err := console.New(console.Options{BaseURL: srv.URL, APIKey: "my-key"})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	if err := c.Login(ctx); err != nil {
		log.Fatal(err)
	}
	app, ok, err := c.FindApplication(ctx, "Demo-App")
	if err != nil || !ok {
		log.Fatalf("application demo-app: found %v, %v", ok, err)
	}

	job, err := c.SubmitJob(ctx, "add_version", map[string]string{
		"appGuid":     app.GUID,
		"sourcePath":  "sources:demo-app",
		"versionName": "v2",
	})
	if err != nil {
		log.Fatal(err)
	}
	st, err := c.Wait(ctx, job.JobGUID, console.WaitOptions{Interval: 2 * time.Millisecond})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(app.Name, st.State)
	// Output: demo-app completed
}

func ExampleSecret() {
	key := console.Secret("qZUfQfX3.G5Yx7ehS2HI9Va5k4h0uTM7jbF0YWT9R")
	fmt.Println(key)
	fmt.Printf("%#v\n", key)
	// Output:
	// [redacted]
	// console.Secret("[redacted]")
}

// A wrong key is reported as such, without the key.
func ExampleErrUnauthorized() {
	srv := httptest.NewServer(consolesim.New(consolesim.Options{APIKey: "right-key"}))
	defer srv.Close()

	c, err := console.New(console.Options{BaseURL: srv.URL, APIKey: "wrong-key"})
	if err != nil {
		log.Fatal(err)
	}
	err = c.Login(context.Background())
	fmt.Println(errors.Is(err, console.ErrUnauthorized))
	msg, detail, _ := strings.Cut(err.Error(), ": Console rejected")
	fmt.Println(msg)
	fmt.Println("Console rejected" + detail)
	// Output:
	// true
	// console: GET /api/user: HTTP 401 Unauthorized
	// Console rejected the API key: missing or invalid credentials
}
