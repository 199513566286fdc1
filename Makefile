# rcconform — conformance harness for Rocket.Chat's POST /api/v1/dm.create.
GO        ?= go
FUZZTIME  ?= 30s
REPORT    ?= report
IMAGE     ?= rcconform-reference:dev

# No registry is reachable: Ryuk cannot be pulled, and mapped ports must be
# looked up on loopback (see the README). The environment may override both.
export TESTCONTAINERS_RYUK_DISABLED ?= true
export TESTCONTAINERS_HOST_OVERRIDE ?= 127.0.0.1

.PHONY: all test lint vet conform image reference fuzz

all: lint test

## test: vet, then every test (suites included) with the race detector
test: vet
	$(GO) test -race -count=1 ./...

vet:
	$(GO) vet ./...

## lint: gofmt must list nothing; go vet; staticcheck
lint: vet
	@out="$$(gofmt -l .)"; if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) tool staticcheck ./...

## conform: start the bundled reference in a container and print its URL
conform:
	$(GO) test -count=1 -run 'TestReferenceContainer' -v ./reference/container/

## image: build the reference image on the local engine as $(IMAGE)
image:
	mkdir -p build/image
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags='-s -w' -o build/image/rcreference ./cmd/rcreference
	cp reference/Dockerfile build/image/Dockerfile
	docker build -t $(IMAGE) build/image

## reference: run the reference server on 127.0.0.1:3000
reference:
	$(GO) run ./cmd/rcreference

## fuzz: run each fuzz target of the reference for FUZZTIME
fuzz:
	for f in FuzzDMCreateBody FuzzUsersCreateBody FuzzLoginBody; do \
		$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) ./reference/ || exit 1; \
	done
