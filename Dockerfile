# Builds the one mailassist binary; docker-compose.yml runs one role per
# container from it.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main.version=${VERSION}" -o /out/mailassist ./cmd/mailassist

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/mailassist /usr/local/bin/mailassist
USER nonroot
ENTRYPOINT ["/usr/local/bin/mailassist"]
