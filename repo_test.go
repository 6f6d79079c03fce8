// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package kanri

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const licenseHeader = "// Copyright 2026 The kanri Authors\n// SPDX-License-Identifier: Apache-2.0\n"

// goFiles returns the repository's .go files, by directory.
func goFiles(t *testing.T) map[string][]string {
	t.Helper()
	dirs := map[string][]string{}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != "." || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") {
			dirs[filepath.Dir(path)] = append(dirs[filepath.Dir(path)], path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return dirs
}

func isGenerated(src []byte) bool {
	return strings.HasPrefix(string(src), "// Code generated ") && strings.Contains(strings.SplitN(string(src), "\n", 2)[0], "DO NOT EDIT.")
}

// TestLicenseHeaders checks that every hand-written .go file starts with
// the license header.
func TestLicenseHeaders(t *testing.T) {
	for _, files := range goFiles(t) {
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if !isGenerated(src) && !strings.HasPrefix(string(src), licenseHeader) {
				t.Errorf("%s does not start with the license header", f)
			}
		}
	}
}

// TestPackageDocs checks that every package has exactly one package
// comment and that every exported top-level name of hand-written code has
// a doc comment that starts with its name.
func TestPackageDocs(t *testing.T) {
	for dir, files := range goFiles(t) {
		fset := token.NewFileSet()
		docs := 0
		hasNonTest := false
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			hasNonTest = true
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			file, err := parser.ParseFile(fset, f, src, parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			if file.Doc != nil {
				docs++
			}
			if isGenerated(src) {
				continue
			}
			checkExportedDocs(t, fset, file)
		}
		if hasNonTest && docs != 1 {
			t.Errorf("package %s has %d package comments, want exactly 1", dir, docs)
		}
	}
}

func checkExportedDocs(t *testing.T, fset *token.FileSet, file *ast.File) {
	t.Helper()
	for _, decl := range file.Decls {
		switch d := decl.(type) {
		case *ast.FuncDecl:
			if !d.Name.IsExported() || (d.Recv != nil && !exportedRecv(d.Recv)) {
				continue
			}
			checkDoc(t, fset, d.Name, d.Doc)
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				var names []*ast.Ident
				var doc *ast.CommentGroup
				switch s := spec.(type) {
				case *ast.TypeSpec:
					if s.Doc == nil && len(d.Specs) == 1 {
						checkDoc(t, fset, s.Name, d.Doc)
						continue
					}
					checkDoc(t, fset, s.Name, s.Doc)
					continue
				case *ast.ValueSpec:
					names, doc = s.Names, s.Doc
				}
				for _, n := range names {
					if n.IsExported() && doc == nil && d.Doc == nil {
						t.Errorf("%s: exported %s has no doc comment", fset.Position(n.Pos()), n.Name)
					}
				}
			}
		}
	}
}

// checkDoc checks that an exported name's doc comment exists and starts
// with the name (optionally after "A", "An" or "The").
func checkDoc(t *testing.T, fset *token.FileSet, name *ast.Ident, doc *ast.CommentGroup) {
	t.Helper()
	if !name.IsExported() {
		return
	}
	if doc == nil {
		t.Errorf("%s: exported %s has no doc comment", fset.Position(name.Pos()), name.Name)
		return
	}
	text := doc.Text()
	for _, article := range []string{"A ", "An ", "The "} {
		text = strings.TrimPrefix(text, article)
	}
	if !strings.HasPrefix(text, name.Name) {
		t.Errorf("%s: the doc comment of %s does not start with its name", fset.Position(name.Pos()), name.Name)
	}
}

// exportedRecv reports whether a method's receiver type is exported.
func exportedRecv(fl *ast.FieldList) bool {
	if len(fl.List) == 0 {
		return false
	}
	typ := fl.List[0].Type
	if s, ok := typ.(*ast.StarExpr); ok {
		typ = s.X
	}
	if g, ok := typ.(*ast.IndexExpr); ok {
		typ = g.X
	}
	id, ok := typ.(*ast.Ident)
	return ok && id.IsExported()
}
