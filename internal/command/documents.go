// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package command

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/command/document"
	"github.com/kanri-dev/kanri/internal/timestamp"
	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// Document owners, as ListDocuments' Owner filter and DocumentIdentifier
// name them.
const (
	OwnerAmazon = "Amazon"
	OwnerSelf   = "Self"
)

// Document quotas, as SSM's.
const (
	// MaxDocumentVersions is how many versions a document may have.
	MaxDocumentVersions = 1000
	// MaxContentBytes is the largest content of a document (64 KB).
	MaxContentBytes = 64 * 1024
)

// builtinEpoch is the creation date of the built-in documents.
var builtinEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// builtinDocs are the built-in documents by name, each parsed once.
var builtinDocs = func() map[string]*resolvedDocument {
	m := map[string]*resolvedDocument{}
	for _, b := range document.Builtins() {
		doc, err := document.Parse(b.Content, b.Format)
		if err != nil {
			panic("built-in document " + b.Name + ": " + err.Error())
		}
		m[b.Name] = &resolvedDocument{
			Document: &Document{Name: b.Name, DocumentType: string(b.DocumentType), LatestVersion: 1, DefaultVersion: 1, CreateDate: builtinEpoch},
			Version: &DocumentVersion{
				Name: b.Name, Version: 1, Format: string(b.Format), Content: b.Content, Hash: hashContent(b.Content),
				Description: b.Description, SchemaVersion: doc.SchemaVersion, PlatformTypes: platformStrings(doc.PlatformTypes()),
				CreateDate: builtinEpoch,
			},
			Parsed:  doc,
			Builtin: true,
		}
	}
	return m
}()

// isBuiltinName reports whether name is a built-in document's.
func isBuiltinName(name string) bool { _, ok := builtinDocs[name]; return ok }

// resolvedDocument is one version of a document, parsed.
type resolvedDocument struct {
	Document *Document
	Version  *DocumentVersion
	Parsed   *document.Document
	Builtin  bool
}

func (r *resolvedDocument) owner(account string) string {
	if r.Builtin {
		return OwnerAmazon
	}
	return account
}

func hashContent(content string) string {
	sum := sha256.Sum256([]byte(content))
	return hex.EncodeToString(sum[:])
}

func platformStrings(ps []document.PlatformType) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = string(p)
	}
	return out
}

// documentName accepts a document's name or ARN and returns its name.
func (s *Service) documentName(nameOrARN string) string {
	if _, name, ok := strings.Cut(nameOrARN, ":document/"); ok && strings.HasPrefix(nameOrARN, "arn:") {
		return name
	}
	return nameOrARN
}

func invalidDocument(name string) error {
	return ssm.NewInvalidDocument("The specified document %s does not exist.", name)
}

// resolve returns a version of a document: version ("$DEFAULT", "",
// "$LATEST" or a number) or, when given, versionName.
func (s *Service) resolve(ctx context.Context, nameOrARN, version, versionName string) (*resolvedDocument, error) {
	name := s.documentName(nameOrARN)
	if b, ok := builtinDocs[name]; ok {
		if (version != "" && version != "$DEFAULT" && version != "$LATEST" && version != "1") || versionName != "" {
			return nil, ssm.NewInvalidDocumentVersion("The document %s has no version %s.", name, firstNonEmpty(versionName, version))
		}
		return b, nil
	}
	d, err := s.store.GetDocument(ctx, s.account, name)
	if errors.Is(err, awserr.NotFound) {
		return nil, invalidDocument(name)
	}
	if err != nil {
		return nil, err
	}
	var v *DocumentVersion
	switch {
	case versionName != "":
		v, err = s.store.GetDocumentVersionByName(ctx, s.account, name, versionName)
		if err == nil && version != "" && version != "$DEFAULT" && version != "$LATEST" && version != strconv.Itoa(v.Version) {
			err = awserr.NotFound
		}
	default:
		n := d.DefaultVersion
		switch version {
		case "", "$DEFAULT":
		case "$LATEST":
			n = d.LatestVersion
		default:
			n, err = strconv.Atoi(version)
			if err != nil || n < 1 {
				return nil, ssm.NewInvalidDocumentVersion("The document version %q is not valid: use a version number, $LATEST or $DEFAULT.", version)
			}
		}
		v, err = s.store.GetDocumentVersion(ctx, s.account, name, n)
	}
	if errors.Is(err, awserr.NotFound) {
		return nil, ssm.NewInvalidDocumentVersion("The document %s has no version %s.", name, firstNonEmpty(versionName, version))
	}
	if err != nil {
		return nil, err
	}
	parsed, err := document.Parse(v.Content, document.Format(v.Format))
	if err != nil {
		return nil, err
	}
	return &resolvedDocument{Document: d, Version: v, Parsed: parsed}, nil
}

func firstNonEmpty(xs ...string) string {
	for _, x := range xs {
		if x != "" {
			return x
		}
	}
	return ""
}

// parseContent checks new content for a document of docType.
func parseContent(content, format, docType string) (*document.Document, document.Format, error) {
	if len(content) > MaxContentBytes {
		return nil, "", ssm.NewMaxDocumentSizeExceeded("The content is %d bytes; a document may have at most %d.", len(content), MaxContentBytes)
	}
	f := document.Format(format)
	switch f {
	case "":
		f = document.JSON
	case document.JSON, document.YAML:
	default:
		return nil, "", awserr.Validation("DocumentFormat", format, "must be JSON or YAML for a "+docType+" document")
	}
	doc, err := document.Parse(content, f)
	if err != nil {
		return nil, "", err
	}
	if string(doc.Type) != docType {
		return nil, "", ssm.NewInvalidDocumentContent("schemaVersion %s is a %s document, but DocumentType is %s.", doc.SchemaVersion, doc.Type, docType)
	}
	return doc, f, nil
}

// reservedPrefixes start names only AWS's documents may have.
var reservedPrefixes = []string{"aws", "amazon", "amzn"}

// CreateDocument creates a document of the account with its first
// version.
func (s *Service) CreateDocument(ctx context.Context, in *ssm.CreateDocumentInput) (*ssm.CreateDocumentOutput, error) {
	lower := strings.ToLower(in.Name)
	for _, p := range reservedPrefixes {
		if strings.HasPrefix(lower, p) {
			return nil, awserr.Validation("Name", in.Name, "must not begin with aws, amazon or amzn (reserved for documents AWS owns)")
		}
	}
	docType := in.DocumentType
	if docType == "" {
		docType = string(document.Command)
	}
	if docType != string(document.Command) && docType != string(document.Session) {
		return nil, awserr.Validation("DocumentType", docType, "must be Command or Session (the document types kanri runs)")
	}
	if len(in.Requires) > 0 || len(in.Attachments) > 0 {
		return nil, awserr.Validation("Requires/Attachments", "", "are not supported for Command and Session documents")
	}
	doc, format, err := parseContent(in.Content, in.DocumentFormat, docType)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	d := &Document{
		Account: s.account, Name: in.Name, DocumentType: docType, TargetType: in.TargetType, LatestVersion: 1, DefaultVersion: 1,
		Tags: ssm.TagMap(in.Tags), CreateDate: now,
	}
	v := s.newVersion(in.Name, in.VersionName, in.Content, format, doc, now)
	v.Version = 1
	if err := s.store.CreateDocument(ctx, d, v); err != nil {
		if errors.Is(err, awserr.Exists) {
			return nil, ssm.NewDocumentAlreadyExists("Document with same name %s already exists", in.Name)
		}
		return nil, err
	}
	return &ssm.CreateDocumentOutput{DocumentDescription: s.describe(&resolvedDocument{Document: d, Version: v, Parsed: doc})}, nil
}

func (s *Service) newVersion(name, versionName, content string, format document.Format, doc *document.Document, now time.Time) *DocumentVersion {
	return &DocumentVersion{
		Account: s.account, Name: name, VersionName: versionName, Format: string(format), Content: content,
		Hash: hashContent(content), Description: doc.Description, SchemaVersion: doc.SchemaVersion,
		PlatformTypes: platformStrings(doc.PlatformTypes()), CreateDate: now,
	}
}

// UpdateDocument adds a version to a document of the account.
func (s *Service) UpdateDocument(ctx context.Context, in *ssm.UpdateDocumentInput) (*ssm.UpdateDocumentOutput, error) {
	if isBuiltinName(in.Name) {
		return nil, ssm.NewInvalidDocumentOperation("The document %s is owned by Amazon; only its owner can update it.", in.Name)
	}
	cur, err := s.resolve(ctx, in.Name, "$LATEST", "")
	if err != nil {
		return nil, err
	}
	if in.DocumentVersion != "" && in.DocumentVersion != "$LATEST" && in.DocumentVersion != strconv.Itoa(cur.Document.LatestVersion) {
		return nil, ssm.NewInvalidDocumentVersion("Only the latest version (%d) of a document can be updated, not %s.", cur.Document.LatestVersion, in.DocumentVersion)
	}
	if cur.Document.LatestVersion >= MaxDocumentVersions {
		return nil, ssm.NewDocumentVersionLimitExceeded("The document %s has reached the limit of %d versions.", in.Name, MaxDocumentVersions)
	}
	format := in.DocumentFormat
	if format == "" {
		format = cur.Version.Format
	}
	doc, f, err := parseContent(in.Content, format, cur.Document.DocumentType)
	if err != nil {
		return nil, err
	}
	if hashContent(in.Content) == cur.Version.Hash {
		return nil, ssm.NewDuplicateDocumentContent("The content of the update is the same as the latest version's (%d).", cur.Version.Version)
	}
	if in.VersionName != "" {
		if _, err := s.store.GetDocumentVersionByName(ctx, s.account, in.Name, in.VersionName); err == nil {
			return nil, ssm.NewDuplicateDocumentVersionName("The document %s already has a version named %s.", in.Name, in.VersionName)
		} else if !errors.Is(err, awserr.NotFound) {
			return nil, err
		}
	}
	v := s.newVersion(in.Name, in.VersionName, in.Content, f, doc, s.now().UTC())
	d, err := s.store.AddDocumentVersion(ctx, v)
	if errors.Is(err, awserr.Exists) {
		return nil, ssm.NewDuplicateDocumentContent("The document %s changed meanwhile, or its content or version name is a duplicate; retry.", in.Name)
	}
	if errors.Is(err, awserr.NotFound) {
		return nil, invalidDocument(in.Name)
	}
	if err != nil {
		return nil, err
	}
	if in.TargetType != "" && in.TargetType != d.TargetType {
		d.TargetType = in.TargetType
	}
	return &ssm.UpdateDocumentOutput{DocumentDescription: s.describe(&resolvedDocument{Document: d, Version: v, Parsed: doc})}, nil
}

// describe returns a document version's description.
func (s *Service) describe(r *resolvedDocument) *ssm.DocumentDescription {
	out := &ssm.DocumentDescription{
		Name: r.Document.Name, Hash: r.Version.Hash, HashType: "Sha256", Owner: r.owner(s.account),
		CreatedDate: timestamp.Ptr(r.Version.CreateDate), Status: "Active", DocumentVersion: strconv.Itoa(r.Version.Version),
		Description: r.Version.Description, PlatformTypes: r.Version.PlatformTypes, DocumentType: r.Document.DocumentType,
		SchemaVersion: r.Version.SchemaVersion, LatestVersion: strconv.Itoa(r.Document.LatestVersion),
		DefaultVersion: strconv.Itoa(r.Document.DefaultVersion), DocumentFormat: r.Version.Format, TargetType: r.Document.TargetType,
		VersionName: r.Version.VersionName, Tags: ssm.TagList(r.Document.Tags),
	}
	if r.Parsed != nil {
		for _, p := range r.Parsed.Parameters {
			dp := &ssm.DocumentParameter{Name: p.Name, Type: string(p.Type), Description: p.Description}
			if p.Default != nil {
				dp.DefaultValue = p.Default.Text()
			}
			out.Parameters = append(out.Parameters, dp)
		}
	}
	if out.PlatformTypes == nil {
		out.PlatformTypes = []string{}
	}
	return out
}

// DescribeDocument describes a version of a document.
func (s *Service) DescribeDocument(ctx context.Context, in *ssm.DescribeDocumentInput) (*ssm.DescribeDocumentOutput, error) {
	r, err := s.resolve(ctx, in.Name, in.DocumentVersion, in.VersionName)
	if err != nil {
		return nil, err
	}
	return &ssm.DescribeDocumentOutput{Document: s.describe(r)}, nil
}

// GetDocument returns a version of a document's content, in the format
// asked for.
func (s *Service) GetDocument(ctx context.Context, in *ssm.GetDocumentInput) (*ssm.GetDocumentOutput, error) {
	r, err := s.resolve(ctx, in.Name, in.DocumentVersion, in.VersionName)
	if err != nil {
		return nil, err
	}
	content, format := r.Version.Content, r.Version.Format
	if in.DocumentFormat != "" && in.DocumentFormat != format {
		if content, err = convertContent(content, document.Format(format), document.Format(in.DocumentFormat)); err != nil {
			return nil, err
		}
		format = in.DocumentFormat
	}
	return &ssm.GetDocumentOutput{
		Name: r.Document.Name, CreatedDate: timestamp.Ptr(r.Version.CreateDate), VersionName: r.Version.VersionName,
		DocumentVersion: strconv.Itoa(r.Version.Version), Status: "Active", Content: content, DocumentType: r.Document.DocumentType,
		DocumentFormat: format,
	}, nil
}

// ListDocumentVersions lists a document's versions, newest first.
func (s *Service) ListDocumentVersions(ctx context.Context, in *ssm.ListDocumentVersionsInput) (*ssm.ListDocumentVersionsOutput, error) {
	name := s.documentName(in.Name)
	var versions []*DocumentVersion
	var d *Document
	if b, ok := builtinDocs[name]; ok {
		d, versions = b.Document, []*DocumentVersion{b.Version}
	} else {
		var err error
		if d, err = s.store.GetDocument(ctx, s.account, name); errors.Is(err, awserr.NotFound) {
			return nil, invalidDocument(name)
		} else if err != nil {
			return nil, err
		}
		if versions, err = s.store.ListDocumentVersions(ctx, s.account, name); err != nil {
			return nil, err
		}
	}
	sort.Slice(versions, func(i, j int) bool { return versions[i].Version > versions[j].Version })
	limit := 50
	if in.MaxResults != nil {
		limit = int(*in.MaxResults)
	}
	pos, err := decodeToken(in.NextToken, 1)
	if err != nil {
		return nil, err
	}
	start := 0
	if pos[0] != "" {
		n, err := strconv.Atoi(pos[0])
		if err != nil {
			return nil, ssm.NewInvalidNextToken("The NextToken is not valid.")
		}
		start = sort.Search(len(versions), func(i int) bool { return versions[i].Version < n })
	}
	out := &ssm.ListDocumentVersionsOutput{DocumentVersions: []*ssm.DocumentVersionInfo{}}
	for i := start; i < len(versions); i++ {
		if len(out.DocumentVersions) == limit {
			out.NextToken = encodeToken(strconv.Itoa(versions[i-1].Version))
			break
		}
		v := versions[i]
		isDefault := v.Version == d.DefaultVersion
		out.DocumentVersions = append(out.DocumentVersions, &ssm.DocumentVersionInfo{
			Name: name, DocumentVersion: strconv.Itoa(v.Version), VersionName: v.VersionName,
			CreatedDate: timestamp.Ptr(v.CreateDate), IsDefaultVersion: &isDefault, DocumentFormat: v.Format, Status: "Active",
		})
	}
	return out, nil
}

// UpdateDocumentDefaultVersion makes a version the document's default.
func (s *Service) UpdateDocumentDefaultVersion(ctx context.Context, in *ssm.UpdateDocumentDefaultVersionInput) (*ssm.UpdateDocumentDefaultVersionOutput, error) {
	if isBuiltinName(in.Name) {
		return nil, ssm.NewInvalidDocumentOperation("The document %s is owned by Amazon; only its owner can change its default version.", in.Name)
	}
	if in.DocumentVersion == "$DEFAULT" {
		return nil, ssm.NewInvalidDocumentVersion("Name a version number or $LATEST.")
	}
	r, err := s.resolve(ctx, in.Name, in.DocumentVersion, "")
	if err != nil {
		return nil, err
	}
	if err := s.store.SetDefaultDocumentVersion(ctx, s.account, r.Document.Name, r.Version.Version); err != nil {
		if errors.Is(err, awserr.NotFound) {
			return nil, invalidDocument(r.Document.Name)
		}
		return nil, err
	}
	return &ssm.UpdateDocumentDefaultVersionOutput{Description: &ssm.DocumentDefaultVersionDescription{
		Name: r.Document.Name, DefaultVersion: strconv.Itoa(r.Version.Version), DefaultVersionName: r.Version.VersionName,
	}}, nil
}

// DeleteDocument deletes a document of the account with all its
// versions.
func (s *Service) DeleteDocument(ctx context.Context, in *ssm.DeleteDocumentInput) (*ssm.DeleteDocumentOutput, error) {
	if isBuiltinName(in.Name) {
		return nil, ssm.NewInvalidDocumentOperation("The document %s is owned by Amazon and cannot be deleted.", in.Name)
	}
	if in.DocumentVersion != "" || in.VersionName != "" {
		r, err := s.resolve(ctx, in.Name, in.DocumentVersion, in.VersionName)
		if err != nil {
			return nil, err
		}
		switch r.Version.Version {
		case r.Document.DefaultVersion:
			return nil, ssm.NewInvalidDocumentOperation("Version %d is the default version of %s: make another version the default first, or delete the whole document.", r.Version.Version, in.Name)
		case r.Document.LatestVersion:
			return nil, ssm.NewInvalidDocumentOperation("Version %d is the latest version of %s; only older versions can be deleted one by one.", r.Version.Version, in.Name)
		}
		if err := s.store.DeleteDocumentVersion(ctx, s.account, r.Document.Name, r.Version.Version); errors.Is(err, awserr.Conflict) {
			return nil, ssm.NewInvalidDocumentOperation("Version %d of %s became its default or latest version; it cannot be deleted.", r.Version.Version, in.Name)
		} else if err != nil {
			return nil, err
		}
		return &ssm.DeleteDocumentOutput{}, nil
	}
	if err := s.store.DeleteDocument(ctx, s.account, in.Name); errors.Is(err, awserr.NotFound) {
		return nil, invalidDocument(in.Name)
	} else if err != nil {
		return nil, err
	}
	return &ssm.DeleteDocumentOutput{}, nil
}

// documentFilter is ListDocuments' filters.
type documentFilter struct {
	owners    []string // Self, Amazon, All, Private, Public, or an account
	prefixes  []string // Name
	platforms []string
	types     []string
	keyword   []string
	tags      map[string][]string
}

func (f *documentFilter) add(key string, values []string) error {
	if len(values) == 0 {
		return awserr.Validation("Filters."+key+".Values", "[]", "must have at least one value")
	}
	switch {
	case key == "Owner" || key == "owner":
		f.owners = append(f.owners, values...)
	case key == "Name" || key == "name":
		f.prefixes = append(f.prefixes, values...)
	case key == "PlatformTypes" || key == "platformTypes":
		f.platforms = append(f.platforms, values...)
	case key == "DocumentType" || key == "documentType":
		f.types = append(f.types, values...)
	case key == "SearchKeyword":
		f.keyword = append(f.keyword, values...)
	case strings.HasPrefix(key, "tag:") && len(key) > 4:
		if f.tags == nil {
			f.tags = map[string][]string{}
		}
		f.tags[key[4:]] = append(f.tags[key[4:]], values...)
	case key == "TargetType", key == "DocumentCategory", key == "Category":
		// No document of kanri has a category or a target type filter
		// that would exclude it; accepted and ignored as AWS does for
		// documents without them.
	default:
		return ssm.NewInvalidFilterKey("The filter key %s is not valid: use Owner, Name, PlatformTypes, DocumentType, SearchKeyword or tag:<key>.", key)
	}
	return nil
}

func (f *documentFilter) match(account string, r *resolvedDocument) bool {
	if len(f.owners) > 0 {
		ok := false
		for _, o := range f.owners {
			switch o {
			case "All":
				ok = true
			case OwnerSelf, "Private":
				ok = ok || !r.Builtin
			case OwnerAmazon, "Public":
				ok = ok || r.Builtin
			default:
				ok = ok || (!r.Builtin && o == account)
			}
		}
		if !ok {
			return false
		}
	}
	if len(f.prefixes) > 0 && !slices.ContainsFunc(f.prefixes, func(p string) bool { return strings.HasPrefix(r.Document.Name, p) }) {
		return false
	}
	if len(f.platforms) > 0 && !slices.ContainsFunc(f.platforms, func(p string) bool { return slices.Contains(r.Version.PlatformTypes, p) }) {
		return false
	}
	if len(f.types) > 0 && !slices.Contains(f.types, r.Document.DocumentType) {
		return false
	}
	for _, kw := range f.keyword {
		lk := strings.ToLower(kw)
		if !strings.Contains(strings.ToLower(r.Document.Name), lk) && !strings.Contains(strings.ToLower(r.Version.Description), lk) {
			return false
		}
	}
	for k, vs := range f.tags {
		v, ok := r.Document.Tags[k]
		if !ok || !slices.Contains(vs, v) {
			return false
		}
	}
	return true
}

// ListDocuments lists the account's documents and the built-in ones, by
// name.
func (s *Service) ListDocuments(ctx context.Context, in *ssm.ListDocumentsInput) (*ssm.ListDocumentsOutput, error) {
	if len(in.DocumentFilterList) > 0 && len(in.Filters) > 0 {
		return nil, awserr.Validation("DocumentFilterList", "", "cannot be used together with Filters")
	}
	var f documentFilter
	for _, df := range in.DocumentFilterList {
		if err := f.add(df.Key, []string{df.Value}); err != nil {
			return nil, err
		}
	}
	for _, kf := range in.Filters {
		if err := f.add(kf.Key, kf.Values); err != nil {
			return nil, err
		}
	}
	limit := 50
	if in.MaxResults != nil {
		limit = int(*in.MaxResults)
	}
	pos, err := decodeToken(in.NextToken, 1)
	if err != nil {
		return nil, err
	}
	after := pos[0]
	// Built-in and own documents interleave by name; walk both in order.
	var builtins []string
	for name := range builtinDocs {
		if name > after {
			builtins = append(builtins, name)
		}
	}
	slices.Sort(builtins)
	out := &ssm.ListDocumentsOutput{DocumentIdentifiers: []*ssm.DocumentIdentifier{}}
	cursor := after
	// A page ends with a NextToken only once a further match is seen.
	for {
		own, err := s.store.ListDocuments(ctx, s.account, cursor, limit)
		if err != nil {
			return nil, err
		}
		var batch []*resolvedDocument
		for _, d := range own {
			for len(builtins) > 0 && builtins[0] < d.Name {
				batch = append(batch, builtinDocs[builtins[0]])
				builtins = builtins[1:]
			}
			v, err := s.store.GetDocumentVersion(ctx, s.account, d.Name, d.DefaultVersion)
			if errors.Is(err, awserr.NotFound) {
				continue // deleted meanwhile
			} else if err != nil {
				return nil, err
			}
			batch = append(batch, &resolvedDocument{Document: d, Version: v})
		}
		exhausted := len(own) < limit
		if exhausted {
			for _, b := range builtins {
				batch = append(batch, builtinDocs[b])
			}
			builtins = nil
		}
		if len(own) > 0 {
			cursor = own[len(own)-1].Name
		}
		for _, r := range batch {
			if !f.match(s.account, r) {
				continue
			}
			if len(out.DocumentIdentifiers) == limit {
				out.NextToken = encodeToken(out.DocumentIdentifiers[limit-1].Name)
				return out, nil
			}
			out.DocumentIdentifiers = append(out.DocumentIdentifiers, s.identifier(r))
		}
		if exhausted {
			return out, nil
		}
	}
}

func (s *Service) identifier(r *resolvedDocument) *ssm.DocumentIdentifier {
	return &ssm.DocumentIdentifier{
		Name: r.Document.Name, CreatedDate: timestamp.Ptr(r.Document.CreateDate), Owner: r.owner(s.account),
		VersionName: r.Version.VersionName, PlatformTypes: r.Version.PlatformTypes, DocumentVersion: strconv.Itoa(r.Version.Version),
		DocumentType: r.Document.DocumentType, SchemaVersion: r.Version.SchemaVersion, DocumentFormat: r.Version.Format,
		TargetType: r.Document.TargetType, Tags: ssm.TagList(r.Document.Tags),
	}
}

// DocumentTags returns a document's tags (for ListTagsForResource).
func (s *Service) DocumentTags(ctx context.Context, name string) ([]*ssm.Tag, error) {
	r, err := s.resolve(ctx, name, "", "")
	if err != nil {
		return nil, err
	}
	return ssm.TagList(r.Document.Tags), nil
}

// SetDocumentTags changes a document's tags: adds (or replaces) add and
// removes the keys in remove.
func (s *Service) SetDocumentTags(ctx context.Context, name string, add []*ssm.Tag, remove []string) error {
	if isBuiltinName(name) {
		return ssm.NewInvalidDocumentOperation("The document %s is owned by Amazon; it cannot be tagged.", name)
	}
	d, err := s.store.GetDocument(ctx, s.account, name)
	if errors.Is(err, awserr.NotFound) {
		return ssm.NewInvalidResourceId("The document %s does not exist.", name)
	} else if err != nil {
		return err
	}
	tags := map[string]string{}
	for k, v := range d.Tags {
		tags[k] = v
	}
	for _, t := range add {
		tags[t.Key] = t.Value
	}
	for _, k := range remove {
		delete(tags, k)
	}
	if len(tags) > 50 {
		return ssm.NewTooManyTagsError("A document may have at most 50 tags.")
	}
	return s.store.SetDocumentTags(ctx, s.account, name, tags)
}
