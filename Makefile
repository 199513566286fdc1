# rcconform — conformance harness for Rocket.Chat's POST /api/v1/dm.create.
GO        ?= go
FUZZTIME  ?= 30s
REPORT    ?= build/report
SOAK      ?= 50
IMAGE     ?= rcconform-reference:dev
HARNESS   ?= rcconform:dev
# The releases `make test` certifies the reference at, in-process: one of
# each release line the catalogue knows (conformance.Lines).
LINES     ?= 6.4.0 6.5.0 6.14.0 7.2.0 7.5.0 7.6.1 7.9.0 7.10.0 8.0.0 8.1.0 8.4.0 8.6.1 8.7.1 9.0.0
ACTIONLINT = github.com/rhysd/actionlint/cmd/actionlint@v1.7.12
# make fidelity: one release per line worth observing, i.e. each line whose
# model is inferred or leaves variants open (7.0 to 9.x; 8.0.0 does not
# start), plus 6.13.1 and 8.6.1, at or next to the releases whose source the
# 6.x and 8.6 models were read at. Each run writes that release's observation.
RC_VERSIONS ?= 6.13.1 7.3.0 7.5.4 7.6.1 7.9.0 7.13.0 8.2.0 8.5.0 8.6.1 8.7.1 9.0.0
FIDELITY  ?= build/fidelity

# No registry is reachable: Ryuk cannot be pulled, and mapped ports must be
# looked up on loopback (see the README). The environment may override both.
export TESTCONTAINERS_RYUK_DISABLED ?= true
export TESTCONTAINERS_HOST_OVERRIDE ?= 127.0.0.1

# The repository's own tests certify what they start themselves: the
# caller's RC_* variables (which would point `go test ./suites/dmcreate` at
# their server) are cleared for them.
NO_RC_ENV = env $(foreach v,$(filter RC_%,$(.VARIABLES)),-u $(v))

.PHONY: all check test lines lint vet conform verify image harness-image reference fuzz bench soak catalogue parallel fidelity standin-images detection-full

all: lint test

## test: vet, every test (suites included) with the race detector, the
## suites at each release line in-process, and the example vendor module
test: vet
	$(NO_RC_ENV) $(GO) test -race -count=1 ./...
	$(NO_RC_ENV) $(MAKE) --no-print-directory lines
	cd examples/vendor && $(NO_RC_ENV) $(GO) test -count=1 ./...

## lines: the suites against the reference at each of $(LINES), in-process:
## one suite binary for every line, two lines at a time
lines:
	$(GO) test -c -o build/dmcreate.test ./suites/dmcreate/
	@printf '%s\n' $(LINES) | xargs -P 2 -I{} sh -c \
		'out=$$(cd suites/dmcreate && $(NO_RC_ENV) RC_TARGET=in-process RC_VERSION={} ../../build/dmcreate.test -test.count=1 2>&1); rc=$$?; \
		 printf "# suites against the reference at %s, in-process: %s\n" {} "$$(echo "$$out" | tail -n 2 | head -n 1)"; \
		 [ $$rc -eq 0 ] || { echo "$$out"; exit 255; }'

vet:
	$(GO) vet ./...

## check: the edit–test loop: gofmt, vet, staticcheck and the unit tests
## (-short skips what starts containers or runs the command end to end)
check: vet
	@out="$$(gofmt -l .)"; if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) tool staticcheck ./...
	$(NO_RC_ENV) RC_TARGET=in-process $(GO) test -short -count=1 ./...

## detection-full: the whole detection matrix (detection/, DETECTION_FULL=1):
## every faithful combination of variants and every broken server at every
## release line it applies to, and every check caught on every line
detection-full:
	DETECTION_FULL=1 $(GO) test -count=1 -timeout 60m -run '^(TestFaithfulServers|TestEveryMutantIsCaught|TestMutantCatalogue|TestDiffFindsEveryMutant)$$' ./detection/

## lint: gofmt must list nothing; go vet; staticcheck; actionlint on the
## workflows (which checks the action's inputs too) and the action's scripts
lint: vet
	@out="$$(gofmt -l .)"; if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) tool staticcheck ./...
	cd examples/vendor && $(GO) vet ./...
	$(GO) run $(ACTIONLINT)
	$(GO) test -count=1 -run '^TestActionMetadata$$' ./cmd/rcconform/

## catalogue: regenerate catalogue.json from the checks (a test fails when it is stale)
catalogue:
	$(GO) run ./cmd/rcconform checks --json > catalogue.json

## conform: certify the bundled reference (container, or in-process without Docker)
conform:
	$(GO) run ./cmd/rcconform run --report-dir $(REPORT)

## verify: re-check the results in $(REPORT) offline
verify:
	$(GO) run ./cmd/rcconform verify $(REPORT)

## bench: every performance figure, each with the command that produced it
bench:
	@echo "# command: go test -run '^$$' -bench . -benchmem ./openapi/"
	$(GO) test -run '^$$' -bench . -benchmem ./openapi/
	$(GO) run ./cmd/rcbench -mode all

## soak: the whole suite SOAK times against the container target
soak:
	@mkdir -p build
	$(GO) build -o build/rcconform ./cmd/rcconform
	@pass=0; fail=0; \
	for i in $$(seq 1 $(SOAK)); do \
		if ./build/rcconform run --report-dir build/soak >build/soak.log 2>&1; then pass=$$((pass+1)); \
		else fail=$$((fail+1)); cp build/soak.log build/soak-failure-$$i.log; fi; \
	done; \
	left=$$(docker ps -aq --filter label=io.rcconform=true 2>/dev/null | wc -l); \
	echo "soak: $$pass/$(SOAK) runs passed, $$fail failed; $$left project containers left"; \
	[ $$fail -eq 0 ] && [ $$left -eq 0 ]

## image: build the reference image on the local engine as $(IMAGE)
image:
	mkdir -p build/image
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags='-s -w' -o build/image/rcreference ./cmd/rcreference
	cp reference/Dockerfile build/image/Dockerfile
	docker build -t $(IMAGE) build/image

## harness-image: build the rcconform CLI into $(HARNESS), FROM scratch with CA certificates
harness-image:
	mkdir -p build/harness
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags='-s -w' -o build/harness/rcconform ./cmd/rcconform
	cp /etc/ssl/certs/ca-certificates.crt build/harness/ca-certificates.crt
	cp cmd/rcconform/Dockerfile build/harness/Dockerfile
	docker build -t $(HARNESS) build/harness

## parallel: the suite under ginkgo -p (2 to 4 processes) PARALLEL_RUNS times per
## line, against a reference that creates rooms like released Rocket.Chat
parallel:
	RC_PARALLEL_RUNS=$${PARALLEL_RUNS:-10} $(GO) test -count=1 -v -run '^TestParallelProcessesAgainstRacyServer$$' ./suites/remote/

## fidelity: certify real Rocket.Chat at each of RC_VERSIONS, started in containers
## (images pulled when missing), and write what each showed to
## $(FIDELITY)/observations/<release>.json; STANDIN=1 uses the stand-in images
## instead, PRUNE=1 removes each Rocket.Chat image it pulled once observed
fidelity:
	@mkdir -p build $(FIDELITY)
	$(GO) build -o build/rcconform ./cmd/rcconform
	@if [ -n "$(STANDIN)" ]; then $(GO) run ./cmd/rcstandin $(RC_VERSIONS); fi
	$(GO) run ./cmd/rcfidelity -out $(FIDELITY) -rcconform build/rcconform $(if $(STANDIN),-standin) $(if $(PRUNE),-remove-pulled) $(RC_VERSIONS)

## standin-images: the Rocket.Chat and MongoDB stand-ins of the tests, for RC_VERSIONS
standin-images:
	$(GO) run ./cmd/rcstandin $(RC_VERSIONS)

## reference: run the reference server on 127.0.0.1:3000
reference:
	$(GO) run ./cmd/rcreference

## fuzz: run each fuzz target of the reference for FUZZTIME
fuzz:
	for f in FuzzDMCreateBody FuzzUsersCreateBody FuzzUsersDeleteBody FuzzLoginBody; do \
		$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) ./reference/ || exit 1; \
	done
