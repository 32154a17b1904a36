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

# Measured performance (DESIGN.md, "Benchmarks"): the Go benchmarks, then
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
