// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package bench

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/kanri-dev/kanri/internal/fleet"
	"github.com/kanri-dev/kanri/internal/kanritest"
	"github.com/kanri-dev/kanri/internal/store"
	"github.com/kanri-dev/kanri/internal/store/storetest"
)

// envInt reads a positive integer from the environment, or returns def.
func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// BenchmarkInventory is the fleet's inventory at scale, on SQLite and on
// PostgreSQL (when KANRI_TEST_DATABASE_URL is set): N managed instances
// (KANRI_BENCH_INVENTORY_INSTANCES, default 10,000) registered directly
// in the store, each reporting AWS:InstanceInformation and M applications
// (KANRI_BENCH_INVENTORY_APPS, default 500) with PutInventory over HTTP,
// SigV4-signed, from 8 concurrent clients; then the Java versions across
// the fleet — GetInventory with the filter AWS:Application.Name BeginWith
// openjdk, aggregated by AWS:Application.Version — and the first page of
// the filtered instances, each the median of 7 runs.
//
//	go test -run x -bench Inventory -benchtime 1x -timeout 2h ./bench/
func BenchmarkInventory(b *testing.B) {
	b.Run("SQLite", func(b *testing.B) { benchInventory(b, "") })
	b.Run("PostgreSQL", func(b *testing.B) { benchInventory(b, storetest.Postgres(b).URL) })
}

func benchInventory(b *testing.B, databaseURL string) {
	ctx := context.Background()
	n := envInt("KANRI_BENCH_INVENTORY_INSTANCES", 10000)
	apps := envInt("KANRI_BENCH_INVENTORY_APPS", 500)
	dir := b.TempDir()
	k := kanritest.Start(b, kanritest.Options{DataDir: dir, DatabaseURL: databaseURL})
	client := ssm.NewFromConfig(k.Config(), func(o *ssm.Options) { o.RetryMaxAttempts = 3 })

	// The instances, registered through the store (not over HTTP with
	// keys and activations: that is BenchmarkFleet's subject).
	db, err := store.Open(ctx, store.Config{URL: databaseURL, DataDir: dir})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	account := k.Server.Account()
	now := time.Now()
	act := &fleet.Activation{ID: "bench-inventory", Account: account, IAMRole: "kanri-dev-instance", RegistrationLimit: n,
		Expiration: now.Add(time.Hour), CreateDate: now, CodeHash: "bench"}
	if err := db.CreateActivation(ctx, act); err != nil {
		b.Fatal(err)
	}
	ids := make([]string, n)
	start := time.Now()
	for i := range ids {
		ids[i] = fmt.Sprintf("mi-%017x", i+1)
		inst := &fleet.Instance{ID: fleet.InstanceID(ids[i]), Account: account, ActivationID: act.ID, IAMRole: act.IAMRole,
			PublicKey: fmt.Sprintf("UBENCH%d", i), RegisteredAt: now, PlatformType: "Linux"}
		if err := db.RegisterInstance(ctx, inst, act.CodeHash, now); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("%d instances registered in the store in %s", n, time.Since(start).Round(time.Millisecond))

	// Ingest: every instance's inventory over HTTP.
	var next, entries atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	start = time.Now()
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				items := []ssmtypes.InventoryItem{
					{TypeName: aws.String("AWS:InstanceInformation"), SchemaVersion: aws.String("1.0"), CaptureTime: aws.String("2026-03-01T10:00:00Z"),
						Content: []map[string]string{{"ComputerName": "host-" + strconv.Itoa(i), "PlatformType": "Linux", "PlatformName": "Debian GNU/Linux",
							"PlatformVersion": "12", "AgentVersion": "dev"}}},
					{TypeName: aws.String("AWS:Application"), SchemaVersion: aws.String("1.1"), CaptureTime: aws.String("2026-03-01T10:00:00Z"),
						ContentHash: aws.String("h" + strconv.Itoa(i)), Content: benchApps(i, apps)},
				}
				if _, err := client.PutInventory(ctx, &ssm.PutInventoryInput{InstanceId: aws.String(ids[i]), Items: items}); err != nil {
					errs <- fmt.Errorf("PutInventory %s: %w", ids[i], err)
					return
				}
				entries.Add(int64(len(items[1].Content) + 1))
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	ingest := time.Since(start)
	b.ReportMetric(float64(n)/ingest.Seconds(), "puts/s")
	b.ReportMetric(float64(2*n)/ingest.Seconds(), "items/s")
	b.ReportMetric(float64(entries.Load())/ingest.Seconds(), "entries/s")
	b.Logf("%d PutInventory calls (%d entries) in %s", n, entries.Load(), ingest.Round(time.Millisecond))

	java := []ssmtypes.InventoryFilter{{Key: aws.String("AWS:Application.Name"), Values: []string{"openjdk"}, Type: ssmtypes.InventoryQueryOperatorTypeBeginWith}}
	versions := &ssm.GetInventoryInput{Filters: java, Aggregators: []ssmtypes.InventoryAggregator{{Expression: aws.String("AWS:Application.Version")}}}
	page := &ssm.GetInventoryInput{Filters: java, MaxResults: aws.Int32(50)}
	median := func(in *ssm.GetInventoryInput, check func(*ssm.GetInventoryOutput)) time.Duration {
		var ds []time.Duration
		for run := range 8 {
			t := time.Now()
			out, err := client.GetInventory(ctx, in)
			d := time.Since(t)
			if err != nil {
				b.Fatal(err)
			}
			check(out)
			if run > 0 { // the first run warms caches
				ds = append(ds, d)
			}
		}
		slices.Sort(ds)
		return ds[len(ds)/2]
	}
	q := median(versions, func(out *ssm.GetInventoryOutput) {
		content := out.Entities[0].Data["AWS:Application"].Content
		total := 0
		for _, c := range content {
			v, _ := strconv.Atoi(c["Count"])
			total += v
		}
		if len(content) != 5 || total < n {
			b.Fatalf("Java versions = %v", content)
		}
	})
	p := median(page, func(out *ssm.GetInventoryOutput) {
		if len(out.Entities) != min(50, n) || len(out.Entities[0].Data["AWS:Application"].Content) == 0 {
			b.Fatalf("first page = %d entities", len(out.Entities))
		}
	})
	b.ReportMetric(float64(q.Microseconds())/1000, "versions-ms")
	b.ReportMetric(float64(p.Microseconds())/1000, "page-ms")
	b.ReportMetric(0, "ns/op")
	b.Logf("Java versions across %d instances: median %s; first page of instances with openjdk: median %s", n, q, p)
}

// benchApps returns instance i's applications: Java (openjdk 17 at one of
// three versions on every instance, 11 on one in four, 21 on one in
// seven) and other packages up to n.
func benchApps(i, n int) []map[string]string {
	out := make([]map[string]string, 0, n)
	add := func(name, version string) {
		out = append(out, map[string]string{"Name": name, "Version": version, "Publisher": "Debian", "Architecture": "x86_64",
			"ApplicationType": "java", "InstalledTime": "2026-01-15T08:00:00Z"})
	}
	add("openjdk-17-jre-headless", []string{"17.0.10+7-1", "17.0.11+9-1", "17.0.12+7-2"}[i%3])
	if i%4 == 0 {
		add("openjdk-11-jre-headless", "11.0.22+7-1")
	}
	if i%7 == 0 {
		add("openjdk-21-jre-headless", "21.0.2+13-1")
	}
	for j := len(out); j < n; j++ {
		out = append(out, map[string]string{"Name": fmt.Sprintf("lib%c%c-pkg%03d", 'a'+j%26, 'a'+(j/26)%26, j), "Version": fmt.Sprintf("%d.%d.%d-%d", j%9, i%5, j%13, 1+j%3),
			"Publisher": "Debian", "Architecture": "x86_64", "ApplicationType": "libs", "InstalledTime": "2026-01-15T08:00:00Z"})
	}
	return out
}
