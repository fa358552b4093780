# The web console's image, built from the repository root:
#
#   docker build -f deploy/docker/console.Dockerfile --build-arg VERSION=1.0.0 \
#     --build-arg COMMIT=$(git rev-parse HEAD) -t opencrm/console:1.0.0 .
#
# The application is built with Node (its lock file pins every package),
# embedded into a static Go binary that serves it and proxies the API, and
# run on a base image with nothing but that binary, as a non-root user.
FROM node:20-bookworm AS app
WORKDIR /src
COPY gen/ts gen/ts
COPY web/console web/console
COPY services/console services/console
RUN cd web/console && npm ci --no-audit --no-fund && npm run build

FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY . .
COPY --from=app /src/services/console/dist services/console/dist
ARG VERSION=dev
ARG COMMIT=unknown
RUN test -f services/console/dist/index.html \
 && CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -trimpath \
      -ldflags "-s -w -X github.com/opencrm/crm/pkg/server.Version=${VERSION} -X github.com/opencrm/crm/pkg/server.Commit=${COMMIT}" \
      -o /out/console ./services/console/cmd/console

FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=dev
ARG COMMIT=unknown
LABEL org.opencontainers.image.title="opencrm-console" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${COMMIT}" \
      org.opencontainers.image.source="https://github.com/opencrm/crm"
COPY --from=build /out/console /console
USER 65532:65532
ENTRYPOINT ["/console"]
