// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package blob_test

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/iotest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/blob"
	"github.com/kanri-dev/kanri/internal/kanritest"
)

// startGoFakeS3 starts gofakes3, an S3 server that keeps objects in
// memory, in this process on a port of its choosing and returns its
// endpoint; it stops the server when t ends.
func startGoFakeS3(t testing.TB) string {
	t.Helper()
	srv := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	t.Cleanup(srv.Close)
	return srv.URL
}

// s3Config returns the blob.S3Config of the S3 server at endpoint.
func s3Config(endpoint string) blob.S3Config {
	return blob.S3Config{Endpoint: endpoint, Region: "us-east-1", AccessKeyID: "test", SecretAccessKey: "test", PathStyle: true}
}

// s3Client returns an SDK client of the S3 server at endpoint, for what
// the tests check behind the Store's back.
func s3Client(endpoint string) *s3.Client {
	return s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
}

// TestS3 runs the S3 tests on gofakes3, in this process.
func TestS3(t *testing.T) {
	testS3(t, startGoFakeS3(t), storeOpts{serverInProcess: true})
}

// TestS3Moto runs the S3 tests on moto_server, when it is installed (TestS3
// runs them on gofakes3 everywhere; moto adds a second opinion).
func TestS3Moto(t *testing.T) {
	testS3(t, kanritest.StartMoto(t), storeOpts{})
}

// testS3 runs the S3 tests on the S3 server at endpoint, which has no
// buckets; opts describe it to testStore.
func testS3(t *testing.T, endpoint string, opts storeOpts) {
	client := s3Client(endpoint)
	const bucket = "kanri-test"
	if _, err := client.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	cfg := s3Config(endpoint)
	s, err := blob.Open(t.Context(), blob.Config{Dir: "ignored", S3: &cfg})
	if err != nil {
		t.Fatalf("Open = %v", err)
	}

	t.Run("Contract", func(t *testing.T) { testStore(t, s, bucket, opts) })

	t.Run("NoUploadsLeft", func(t *testing.T) {
		// The failed Puts of several parts, the contract's and this
		// one, aborted their uploads. Failing one here also makes the
		// check mean something when the contract did not run, and
		// gives gofakes3 an upload in the bucket: ListMultipartUploads
		// of a bucket that never had one answers NoSuchUpload there
		// (its uploader makes a bucket's list at the first upload),
		// where S3 answers an empty list.
		body := io.MultiReader(io.LimitReader(generator(6), blob.MinPartSize+1), iotest.ErrReader(errBoom))
		if err := s.Put(t.Context(), bucket, "nul/k", body, -1, ""); !errors.Is(err, errBoom) {
			t.Fatalf("Put = %v, want %v", err, errBoom)
		}
		out, err := client.ListMultipartUploads(t.Context(), &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket)})
		if err != nil {
			t.Fatalf("ListMultipartUploads: %v", err)
		}
		if len(out.Uploads) != 0 {
			var keys []string
			for _, u := range out.Uploads {
				keys = append(keys, aws.ToString(u.Key))
			}
			t.Errorf("multipart uploads left: %q", keys)
		}
	})

	t.Run("Streams", func(t *testing.T) {
		// Put reads no more than a part ahead of what it has sent.
		// testLarge bounds Put's allocations, which says as much,
		// but not when the server's allocations count with them.
		// LoadDefaultConfig fails to add AWS_CA_BUNDLE's roots to a
		// client it did not build; these servers speak plain HTTP.
		t.Setenv("AWS_CA_BUNDLE", "")
		var sent atomic.Int64
		cfg := s3Config(endpoint)
		cfg.HTTPClient = &http.Client{Transport: roundTripperFunc(func(req *http.Request) (*http.Response, error) {
			if req.Body != nil && req.Body != http.NoBody {
				req = req.Clone(req.Context())
				req.Body = countingBody{req.Body, &sent}
			}
			return http.DefaultTransport.RoundTrip(req)
		})}
		s, err := blob.Open(t.Context(), blob.Config{S3: &cfg})
		if err != nil {
			t.Fatalf("Open = %v", err)
		}
		const n = 2*blob.MinPartSize + 1
		for _, size := range []int64{-1, n} {
			sent.Store(0)
			src := io.LimitReader(generator(7), n)
			read, ahead := int64(0), int64(0)
			body := readerFunc(func(p []byte) (int, error) {
				n, err := src.Read(p)
				read += int64(n)
				ahead = max(ahead, read-sent.Load())
				return n, err
			})
			key := fmt.Sprint("streams/", size)
			if err := s.Put(t.Context(), bucket, key, body, size, ""); err != nil {
				t.Fatalf("Put = %v", err)
			}
			if ahead > blob.MinPartSize {
				t.Errorf("Put of size %d read %d bytes ahead of those sent, want at most a part of %d", size, ahead, blob.MinPartSize)
			}
			del(t, s, bucket, key)
		}
	})

	t.Run("ContentType", func(t *testing.T) {
		for _, size := range []int64{5, blob.MinPartSize + 5} {
			key := fmt.Sprint("ct/", size)
			err := s.Put(t.Context(), bucket, key, io.LimitReader(generator(5), size), -1, "text/x-kanri")
			if err != nil {
				t.Fatalf("Put = %v", err)
			}
			out, err := client.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
			if err != nil {
				t.Fatalf("HeadObject: %v", err)
			}
			if got := aws.ToString(out.ContentType); got != "text/x-kanri" {
				t.Errorf("content type of %d bytes = %q, want %q", size, got, "text/x-kanri")
			}
		}
	})

	t.Run("URL", func(t *testing.T) {
		// The URL is where the object is: the server serves it there.
		key := "url/dir/ファイル name+x=y&z?#%.txt"
		put(t, s, bucket, key, "found")
		u := s.URL(bucket, key)
		want := endpoint + "/kanri-test/url/dir/%E3%83%95%E3%82%A1%E3%82%A4%E3%83%AB%20name+x=y&z%3F%23%25.txt"
		if u != want {
			t.Errorf("URL = %s, want %s", u, want)
		}
		// A user with credentials fetches it as the SDK would.
		// Neither gofakes3 nor moto checks the signature (moto only
		// wants one), so this shows where the object is served, not
		// that a signature over its URL would satisfy S3.
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
		req.Header.Set("X-Amz-Content-Sha256", emptySHA256)
		creds := aws.Credentials{AccessKeyID: cfg.AccessKeyID, SecretAccessKey: cfg.SecretAccessKey}
		signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
		if err := signer.SignHTTP(t.Context(), creds, req, emptySHA256, "s3", cfg.Region, time.Now()); err != nil {
			t.Fatalf("sign: %v", err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", u, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || string(b) != "found" {
			t.Errorf("GET %s = %s %q, want 200 %q", u, resp.Status, b, "found")
		}
	})

	t.Run("MissingBucket", func(t *testing.T) {
		const missing = "kanri-no-such-bucket"
		checkNoSuchBucket := func(op string, err error) {
			t.Helper()
			if e := awserr.As(err); !errors.Is(err, awserr.NotFound) || e == nil || e.Code != "NoSuchBucket" {
				t.Errorf("%s in a missing bucket = %v, want kind NotFound, code NoSuchBucket", op, err)
			}
		}
		checkNoSuchBucket("Put", s.Put(t.Context(), missing, "k", strings.NewReader("x"), 1, ""))
		_, err := s.List(t.Context(), missing, "")
		checkNoSuchBucket("List", err)
		checkNoSuchBucket("Delete", s.Delete(t.Context(), missing, "k"))
	})
}

// TestS3Unreachable checks that an error with no S3 meaning is wrapped,
// of no kind.
func TestS3Unreachable(t *testing.T) {
	cfg := s3Config("http://127.0.0.1:1") // nothing listens on port 1
	s, err := blob.Open(t.Context(), blob.Config{S3: &cfg})
	if err != nil {
		t.Fatalf("Open = %v", err)
	}
	err = s.Put(t.Context(), "kanri-test", "k", strings.NewReader("x"), 1, "")
	if err == nil || awserr.As(err) != nil || !strings.Contains(err.Error(), "put kanri-test/k: ") {
		t.Errorf("Put to a closed port = %v, want a wrapped error", err)
	}
}

func TestS3URL(t *testing.T) {
	tests := []struct {
		name   string
		cfg    blob.S3Config
		bucket string
		want   string
	}{
		{"AWSVirtualHosted", blob.S3Config{Region: "eu-west-1"}, "kanri-out", "https://kanri-out.s3.eu-west-1.amazonaws.com/a%20b/c"},
		{"AWSPathStyle", blob.S3Config{Region: "eu-west-1", PathStyle: true}, "kanri-out", "https://s3.eu-west-1.amazonaws.com/kanri-out/a%20b/c"},
		{"AWSDottedBucket", blob.S3Config{Region: "eu-west-1"}, "kanri.out", "https://s3.eu-west-1.amazonaws.com/kanri.out/a%20b/c"},
		{"EndpointPathStyle", blob.S3Config{Endpoint: "https://minio.example.com:9000", PathStyle: true}, "kanri-out", "https://minio.example.com:9000/kanri-out/a%20b/c"},
		{"EndpointVirtualHosted", blob.S3Config{Endpoint: "https://storage.example.com"}, "kanri-out", "https://kanri-out.storage.example.com/a%20b/c"},
		{"EndpointHTTP", blob.S3Config{Endpoint: "http://10.0.0.5:9000", PathStyle: true}, "kanri-out", "http://10.0.0.5:9000/kanri-out/a%20b/c"},
		{"EndpointIP", blob.S3Config{Endpoint: "http://10.0.0.5:9000"}, "kanri-out", "http://10.0.0.5:9000/kanri-out/a%20b/c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.AccessKeyID, tt.cfg.SecretAccessKey = "AKIDEXAMPLE", "secret"
			s, err := blob.Open(t.Context(), blob.Config{S3: &tt.cfg})
			if err != nil {
				t.Fatalf("Open = %v", err)
			}
			if got := s.URL(tt.bucket, "a b/c"); got != tt.want {
				t.Errorf("URL(%s, %q) = %s, want %s", tt.bucket, "a b/c", got, tt.want)
			}
		})
	}
}

func TestOpenS3Errors(t *testing.T) {
	tests := []struct {
		name string
		cfg  blob.S3Config
	}{
		{"EndpointNoScheme", blob.S3Config{Endpoint: "minio:9000"}},
		{"EndpointFTP", blob.S3Config{Endpoint: "ftp://minio"}},
		{"EndpointNoHost", blob.S3Config{Endpoint: "http://"}},
		{"KeyIDOnly", blob.S3Config{AccessKeyID: "AKID"}},
		{"SecretOnly", blob.S3Config{SecretAccessKey: "secret"}},
		{"TokenOnly", blob.S3Config{SessionToken: "token"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := blob.Open(t.Context(), blob.Config{S3: &tt.cfg}); !errors.Is(err, awserr.Invalid) {
				t.Errorf("Open(%+v) = %v, want kind Invalid", tt.cfg, err)
			}
		})
	}
}

func TestS3ConfigLogValue(t *testing.T) {
	var b strings.Builder
	cfg := blob.S3Config{Endpoint: "http://minio:9000", AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI", SessionToken: "FwoGZXIvYXdzE"}
	slog.New(slog.NewTextHandler(&b, nil)).Info("blob", "s3", cfg)
	for _, secret := range []string{cfg.SecretAccessKey, cfg.SessionToken} {
		if strings.Contains(b.String(), secret) {
			t.Errorf("log %q shows a secret", b.String())
		}
	}
	if !strings.Contains(b.String(), "AKIDEXAMPLE") || !strings.Contains(b.String(), "http://minio:9000") {
		t.Errorf("log %q lacks the endpoint or key ID", b.String())
	}
}

// roundTripperFunc is an http.RoundTripper made of its RoundTrip method.
type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// countingBody is a request body that adds the bytes read from it to n.
type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}
