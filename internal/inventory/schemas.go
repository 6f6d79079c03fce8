// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package inventory

import (
	"context"
	"slices"
	"strings"

	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// The limits of PutInventory and of custom types.
const (
	// MaxCustomTypes is the number of custom types an account may have,
	// as on AWS.
	MaxCustomTypes = 20
	// MaxAttributes is the number of attributes a custom type may have,
	// as on AWS (and as InventoryItemAttributeList allows).
	MaxAttributes = 50
	// MaxItemBytes bounds one item's content, as JSON: the SSM agent's
	// per-type limit, which kanri's agent also applies before sending.
	MaxItemBytes = 3 << 20
)

// The AWS type names with a meaning beyond their schema.
const (
	TypeInstanceInformation = "AWS:InstanceInformation"
	TypeApplication         = "AWS:Application"
)

// The prefixes of type names.
const (
	awsPrefix    = "AWS:"
	customPrefix = "Custom:"
)

// Attribute is an attribute of a schema and its data type.
type Attribute struct {
	Name     string
	DataType string // ssm.InventoryAttributeDataTypeString or …Number
}

// Schema is an inventory type's schema.
type Schema struct {
	TypeName    string
	Version     string // the latest schema version
	DisplayName string
	Attributes  []Attribute
	// Versions are the schema versions PutInventory accepts for a
	// built-in type; nil for custom types (any version).
	Versions []string
}

// has reports whether the schema has an attribute named name.
func (sc *Schema) has(name string) bool {
	return slices.ContainsFunc(sc.Attributes, func(a Attribute) bool { return a.Name == name })
}

// str and num build string and number attributes.
func str(names ...string) []Attribute {
	out := make([]Attribute, len(names))
	for i, n := range names {
		out[i] = Attribute{Name: n, DataType: ssm.InventoryAttributeDataTypeString}
	}
	return out
}

func num(name string) Attribute {
	return Attribute{Name: name, DataType: ssm.InventoryAttributeDataTypeNumber}
}

// builtin are the AWS inventory types PutInventory accepts, with the
// attributes AWS's schemas give them, in type name order. The SSM agent
// (and kanri's) sends AWS:Application at 1.1 and the others at 1.0.
var builtin = []*Schema{
	{TypeName: "AWS:AWSComponent", Version: "1.0", DisplayName: "AWSComponent", Versions: []string{"1.0"},
		Attributes: str("Name", "ApplicationType", "Publisher", "Version", "InstalledTime", "Architecture", "URL")},
	{TypeName: TypeApplication, Version: "1.1", DisplayName: "Application", Versions: []string{"1.0", "1.1"},
		Attributes: str("Name", "ApplicationType", "Publisher", "Version", "InstalledTime", "Architecture", "URL", "Summary",
			"PackageId", "Release", "Epoch")},
	{TypeName: "AWS:File", Version: "1.0", DisplayName: "File", Versions: []string{"1.0"},
		Attributes: append(append(str("Name"), num("Size")), str("Description", "FileVersion", "InstalledDate", "ModificationTime",
			"LastAccessTime", "ProductName", "InstalledDir", "ProductLanguage", "CompanyName", "ProductVersion")...)},
	{TypeName: "AWS:InstanceDetailedInformation", Version: "1.0", DisplayName: "InstanceDetailedInformation", Versions: []string{"1.0"},
		Attributes: append(append(str("CPUModel"), num("CPUCores"), num("CPUs"), num("CPUSpeedMHz"), num("CPUSockets")),
			str("CPUHyperThreadEnabled", "OSServicePack")...)},
	{TypeName: TypeInstanceInformation, Version: "1.0", DisplayName: "InstanceInformation", Versions: []string{"1.0"},
		Attributes: str("AgentType", "AgentVersion", "ComputerName", "InstanceId", "InstanceStatus", "IpAddress", "PlatformName",
			"PlatformType", "PlatformVersion", "ResourceType")},
	{TypeName: "AWS:Network", Version: "1.0", DisplayName: "Network", Versions: []string{"1.0"},
		Attributes: str("Name", "SubnetMask", "Gateway", "DHCPServer", "DNSServer", "MacAddress", "IPV4", "IPV6")},
	{TypeName: "AWS:Registry", Version: "1.0", DisplayName: "Registry", Versions: []string{"1.0"},
		Attributes: str("KeyPath", "ValueName", "ValueType", "Value")},
	{TypeName: "AWS:Service", Version: "1.0", DisplayName: "Service", Versions: []string{"1.0"},
		Attributes: str("Name", "DisplayName", "ServiceType", "Status", "DependentServices", "ServicesDependedOn", "StartType")},
	{TypeName: "AWS:Tag", Version: "1.0", DisplayName: "Tag", Versions: []string{"1.0"},
		Attributes: str("Key", "Value")},
	{TypeName: "AWS:WindowsRole", Version: "1.0", DisplayName: "WindowsRole", Versions: []string{"1.0"},
		Attributes: str("Name", "DisplayName", "Path", "FeatureType", "DependsOn", "Description", "Installed", "InstalledState",
			"SubFeatures", "ServerComponentDescriptor", "Parent")},
	{TypeName: "AWS:WindowsUpdate", Version: "1.0", DisplayName: "WindowsUpdate", Versions: []string{"1.0"},
		Attributes: str("HotFixId", "Description", "InstalledTime", "InstalledBy")},
}

// builtinSchema returns the schema of a built-in type, or nil.
func builtinSchema(typeName string) *Schema {
	for _, sc := range builtin {
		if sc.TypeName == typeName {
			return sc
		}
	}
	return nil
}

// customSchema returns the schema of a custom type.
func customSchema(ct *CustomType) *Schema {
	sc := &Schema{TypeName: ct.TypeName, Version: ct.SchemaVersion, DisplayName: strings.TrimPrefix(ct.TypeName, customPrefix)}
	sc.Attributes = str(ct.Attributes...)
	return sc
}

// isCustom reports whether typeName names a custom type.
func isCustom(typeName string) bool { return strings.HasPrefix(typeName, customPrefix) }

// validCustomName reports whether typeName is a well-formed custom type
// name: "Custom:" and a name of letters, digits and _ - . characters.
func validCustomName(typeName string) bool {
	name, ok := strings.CutPrefix(typeName, customPrefix)
	if !ok || name == "" {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

// schemas returns every schema of the account: the built-in ones, then
// its custom types that are not disabled, by type name.
func (s *Service) schemas(ctx context.Context) ([]*Schema, error) {
	custom, err := s.store.CustomInventoryTypes(ctx, s.account)
	if err != nil {
		return nil, err
	}
	out := slices.Clone(builtin)
	for _, ct := range custom {
		if ct.DisabledVersion == "" {
			out = append(out, customSchema(ct))
		}
	}
	return out, nil
}

// schema returns the schema of typeName, or an InvalidTypeNameException
// when the account has no such type.
func (s *Service) schema(ctx context.Context, typeName string) (*Schema, error) {
	if sc := builtinSchema(typeName); sc != nil {
		return sc, nil
	}
	if isCustom(typeName) {
		custom, err := s.store.CustomInventoryTypes(ctx, s.account)
		if err != nil {
			return nil, err
		}
		for _, ct := range custom {
			if ct.TypeName == typeName && ct.DisabledVersion == "" {
				return customSchema(ct), nil
			}
		}
	}
	return nil, ssm.NewInvalidTypeNameException("The inventory item type %s is not valid: it is not a known type of this account.", typeName)
}

// GetInventorySchema returns the schemas of the account's inventory types
// whose names begin with TypeName: the built-in AWS types, then its
// custom types with the attributes their entries have had (all strings).
// Every attribute can be aggregated, so Aggregator selects every schema;
// there are no sub-type schemas, so SubType selects none.
func (s *Service) GetInventorySchema(ctx context.Context, in *ssm.GetInventorySchemaInput) (*ssm.GetInventorySchemaOutput, error) {
	if t := in.TypeName; t != "" && !strings.HasPrefix(t, awsPrefix) && !strings.HasPrefix(t, customPrefix) &&
		!strings.HasPrefix(awsPrefix, t) && !strings.HasPrefix(customPrefix, t) {
		return nil, ssm.NewInvalidTypeNameException("The inventory item type %s is not valid: type names begin with AWS: or Custom:.", t)
	}
	limit := 50
	if in.MaxResults != nil {
		limit = int(*in.MaxResults)
	}
	start, err := decodeOffset(in.NextToken)
	if err != nil {
		return nil, err
	}
	all, err := s.schemas(ctx)
	if err != nil {
		return nil, err
	}
	var match []*ssm.InventoryItemSchema
	if in.SubType == nil || !*in.SubType {
		for _, sc := range all {
			if strings.HasPrefix(sc.TypeName, in.TypeName) {
				match = append(match, schemaShape(sc))
			}
		}
	}
	out := &ssm.GetInventorySchemaOutput{}
	if start > len(match) {
		start = len(match)
	}
	end := min(start+limit, len(match))
	out.Schemas = match[start:end]
	if end < len(match) {
		out.NextToken = encodeOffset(end)
	}
	return out, nil
}

func schemaShape(sc *Schema) *ssm.InventoryItemSchema {
	out := &ssm.InventoryItemSchema{TypeName: sc.TypeName, Version: sc.Version, DisplayName: sc.DisplayName}
	for _, a := range sc.Attributes {
		out.Attributes = append(out.Attributes, &ssm.InventoryItemAttribute{Name: a.Name, DataType: a.DataType})
	}
	return out
}
