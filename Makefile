# runner: build, try and test. Every target fetches the Go modules it
# needs on first use.
GO      ?= go
BIN     := bin/runner
DEMO    := workflows/backup-analyze-consolidate.yaml

.PHONY: build demo test bench clean

build:
	$(GO) build -o $(BIN) ./cmd/runner

# The main job: a real workflow against the built-in Console simulator.
demo: build
	./$(BIN) run $(DEMO) --simulate -i app=demo-app

test:
	$(GO) vet ./...
	$(GO) test -race ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf bin
