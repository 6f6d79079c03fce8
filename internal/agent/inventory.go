// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/kanri-dev/kanri/internal/agent/collect"
	"github.com/kanri-dev/kanri/internal/agentproto"
	"github.com/kanri-dev/kanri/internal/buildinfo"
)

// Inventory's files in the state dir.
const (
	// inventoryHashesFile holds the ContentHash of each inventory type the
	// servers have, so that an unchanged type is not sent again.
	inventoryHashesFile = "inventory-hashes.json"
	// customInventoryDir holds custom inventory (*.json files), as the SSM
	// agent's inventory/custom directory does.
	customInventoryDir = "inventory/custom"
	// maxItemsPerPut is PutInventory's limit of items per call.
	maxItemsPerPut = 30
)

// inventoryRunner runs aws:softwareInventory steps: it gathers inventory
// with the collectors the step enables and sends, with PutInventory as the
// instance, the types whose content changed since the last run.
type inventoryRunner struct {
	a  *Agent
	st *State
	// mu serializes runs, which share the hashes file.
	mu sync.Mutex
}

// collectorSet returns the collectors a step enables.
func collectorSet(inv *agentproto.InventoryStep) collect.Set {
	var set collect.Set
	if inv == nil {
		return set
	}
	for _, c := range inv.Collectors {
		switch c {
		case "applications":
			set.Applications = true
		case "awsComponents":
			set.AWSComponents = true
		case "networkConfig":
			set.NetworkConfig = true
		case "services":
			set.Services = true
		case "instanceDetailedInformation":
			set.InstanceDetailedInformation = true
		case "customInventory":
			set.CustomInventory = true
		}
	}
	set.Files = inv.Files != ""
	return set
}

// Execute gathers and sends inventory; it writes what it sent to stdout and
// the collectors' problems to stderr. It fails when nothing could be sent.
func (r *inventoryRunner) Execute(ctx context.Context, step agentproto.Step, _ []string, stdout, stderr io.Writer) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	cfg := collect.Config{
		InstanceID: r.st.InstanceID, AgentVersion: buildinfo.Version(), JavaSearchPaths: r.a.javaPaths,
		CustomInventoryDir: r.a.customInventoryDir(), Now: r.a.now,
	}
	if step.Inventory != nil && step.Inventory.Files != "" {
		specs, err := collect.ParseFileSpecs(step.Inventory.Files)
		if err != nil {
			fmt.Fprintf(stderr, "files: %v\n", err)
			return 1, nil
		}
		cfg.FilePaths = specs
	}
	items, cerr := collect.Collect(ctx, cfg, collectorSet(step.Inventory))
	if cerr != nil && ctx.Err() != nil {
		return 1, ctx.Err()
	}
	if cerr != nil {
		fmt.Fprintf(stderr, "%v\n", cerr)
	}
	sent, err := r.loadHashes()
	if err != nil {
		fmt.Fprintf(stderr, "inventory hashes: %v; sending every type\n", err)
		sent = map[string]string{}
	}
	var changed []collect.Item
	for _, it := range items {
		if sent[it.TypeName] != it.ContentHash {
			changed = append(changed, it)
		}
	}
	if len(changed) == 0 {
		fmt.Fprintf(stdout, "Inventory unchanged: %d types, nothing sent.\n", len(items))
		return 0, nil
	}
	client := ssm.New(ssm.Options{
		Region: r.st.Region, BaseEndpoint: aws.String(r.st.Endpoint), Credentials: r.a.Credentials(), HTTPClient: r.a.http,
	})
	for batch := range slices.Chunk(changed, maxItemsPerPut) {
		in := &ssm.PutInventoryInput{InstanceId: aws.String(r.st.InstanceID)}
		for _, it := range batch {
			in.Items = append(in.Items, ssmtypes.InventoryItem{
				TypeName: aws.String(it.TypeName), SchemaVersion: aws.String(it.SchemaVersion), CaptureTime: aws.String(it.CaptureTime),
				ContentHash: aws.String(it.ContentHash), Content: it.Content,
			})
		}
		if _, err := client.PutInventory(ctx, in); err != nil {
			fmt.Fprintf(stderr, "PutInventory: %v\n", err)
			return 1, nil
		}
		for _, it := range batch {
			sent[it.TypeName] = it.ContentHash
			fmt.Fprintf(stdout, "%s: %d entries sent.\n", it.TypeName, len(it.Content))
		}
		if err := r.saveHashes(sent); err != nil {
			fmt.Fprintf(stderr, "inventory hashes: %v\n", err)
		}
	}
	fmt.Fprintf(stdout, "Inventory: %d of %d types changed and sent.\n", len(changed), len(items))
	return 0, nil
}

// loadHashes reads the hashes of the types the servers have.
func (r *inventoryRunner) loadHashes() (map[string]string, error) {
	b, err := os.ReadFile(filepath.Join(r.a.dir, inventoryHashesFile))
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// saveHashes records the hashes of the types the servers have.
func (r *inventoryRunner) saveHashes(m map[string]string) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(r.a.dir, inventoryHashesFile), b)
}

// customInventoryDir returns the directory of custom inventory files.
func (a *Agent) customInventoryDir() string {
	if a.customDir != "" {
		return a.customDir
	}
	return filepath.Join(a.dir, customInventoryDir)
}
