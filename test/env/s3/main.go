// Program lamina-s3 is the test environment's S3-compatible server: rclone's gofakes3 (MIT; the S3
// REST protocol, AWS Signature V4 checks, bucket versioning) over its in-memory backend, listening
// on one loopback address. Built by test/env/lib/build-go.sh, run by test/env/lib/s3.sh; see
// docs/adr/0045-test-s3-gofakes3.md for why this server.
//
// Every request must be signed (SigV4, header or presigned query) with the one access key given in
// LAMINA_S3_ACCESS_KEY_ID / LAMINA_S3_SECRET_ACCESS_KEY: an unknown key is refused with 403
// InvalidAccessKeyId, a wrong secret with 403 SignatureDoesNotMatch, an unsigned request with 403
// AccessDenied. The server refuses to start without a key, so it never runs open.
//
// Objects live in memory: a restart starts empty (the suites create their own buckets).
package main

import (
	"context"
	"errors"
	"flag"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/rclone/gofakes3"
	"github.com/rclone/gofakes3/s3mem"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:18333", "host:port to serve S3 on")
	flag.Parse()

	logger := log.New(os.Stderr, "lamina-s3 ", log.LstdFlags|log.LUTC)
	keyID, secret := os.Getenv("LAMINA_S3_ACCESS_KEY_ID"), os.Getenv("LAMINA_S3_SECRET_ACCESS_KEY")
	if keyID == "" || secret == "" {
		logger.Fatal("LAMINA_S3_ACCESS_KEY_ID and LAMINA_S3_SECRET_ACCESS_KEY must both be set")
	}

	// Path-style addressing only (endpoint/bucket/key), as the suites and LAMINA_S3_FORCE_PATH_STYLE
	// use it; warnings and errors (refused signatures among them) go to the log.
	faker := gofakes3.New(s3mem.New(),
		gofakes3.WithV4Auth(map[string]string{keyID: secret}),
		gofakes3.WithHostBucket(false),
		gofakes3.WithLogger(gofakes3.StdLog(logger, gofakes3.LogErr, gofakes3.LogWarn)),
	)

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		logger.Fatal(err)
	}
	srv := &http.Server{Handler: faker.Server(), ReadHeaderTimeout: 30 * time.Second}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()

	logger.Printf("serving S3 on http://%s", ln.Addr())
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		logger.Fatal(err)
	}
}
