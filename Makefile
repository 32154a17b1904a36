# runner: build, try and test. Every target fetches the Go modules it
# needs on first use.
GO      ?= go
BIN     := bin/runner
DEMO    := workflows/backup-analyze-consolidate.yaml

.PHONY: build demo test contract bench clean

# -buildvcs=auto stamps the commit that runner version prints, even where
# GOFLAGS turns stamping off; without git it stamps nothing.
build:
	$(GO) build -buildvcs=auto -o $(BIN) ./cmd/runner

# The main job: a real workflow against the built-in Console simulator.
demo: build
	./$(BIN) run $(DEMO) --simulate -i app=demo-app

# The tests never reach a real Console: the contract suite would take one
# from AIP_CONSOLE_URL and AIP_CONSOLE_API_KEY, so those are unset here.
test:
	$(GO) vet ./...
	GOOS=windows $(GO) vet ./... # CI agents on Windows run runner too
	env -u AIP_CONSOLE_URL -u AIP_CONSOLE_API_KEY -u AIP_CONSOLE_USER $(GO) test -race ./...

# The contract suite (contract/doc.go): the client's calls against the
# simulator, or against the Console of AIP_CONSOLE_URL and
# AIP_CONSOLE_API_KEY when both are set; read-only unless CONTRACT_WRITE=1.
contract:
	$(GO) test -count=1 -v ./contract

# Measured performance (bench/main.go says what and why): the Go benchmarks, then
# one table of measurements against their targets. go-task, the peer of
# the plan measurements, is installed into bin/bench, not go.mod.
TASK     := bin/bench/task
TASK_VER := v3.54.0

bench: build $(TASK)
	$(GO) test -run '^$$' -bench . -benchmem ./...
	$(GO) run ./bench -runner $(BIN) -task $(TASK)

$(TASK):
	GOBIN=$(CURDIR)/bin/bench $(GO) install github.com/go-task/task/v3/cmd/task@$(TASK_VER)

clean:
	rm -rf bin
