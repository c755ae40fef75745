# pnpd's container image: the binary built in a Go image, run as a non-root
# user in a small Alpine one. docs/production.md tells how to run it.

FROM golang:1.26-bookworm AS build
WORKDIR /src
# The modules first, so that a change to the code alone reuses this layer.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# pnpd's SQLite and PostgreSQL drivers are pure Go: no cgo, a static binary.
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/pnpd ./cmd/pnpd

FROM alpine:3.22
# Alpine's base image carries the CA certificates that HTTPS webhooks and an
# HTTPS SMS gateway need, and busybox's wget for the health check.
RUN addgroup -S -g 10001 pnpd \
 && adduser -S -D -H -u 10001 -G pnpd -h /var/lib/pnpd pnpd \
 && install -d -o pnpd -g pnpd -m 0700 /var/lib/pnpd
COPY --from=build /out/pnpd /usr/local/bin/pnpd
USER 10001:10001
# In a container pnpd must listen on every interface to be reached at all;
# its default, 127.0.0.1, would reach no one.
ENV PNPD_ADDR=0.0.0.0:8080 \
    PNPD_DATA=/var/lib/pnpd \
    PNPD_LOG_FORMAT=json
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD wget -q -O /dev/null http://127.0.0.1:8080/readyz || exit 1
ENTRYPOINT ["pnpd"]
CMD ["serve"]
