package build

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteZipIsDeterministicAndSorted(t *testing.T) {
	a := []File{
		{Name: "b/function.json", Data: []byte("{}")},
		{Name: "bootstrap", Mode: 0o755, Data: []byte("\x7fELF...")},
		{Name: "a.json", Mode: 0o644, Data: []byte(`{"x":1}`)},
	}
	b := []File{a[2], a[0], a[1]} // same files, other order
	var z1, z2 bytes.Buffer
	if err := WriteZip(&z1, a); err != nil {
		t.Fatal(err)
	}
	if err := WriteZip(&z2, b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(z1.Bytes(), z2.Bytes()) {
		t.Fatal("same files in another order gave different zip bytes")
	}
	zr, err := zip.NewReader(bytes.NewReader(z1.Bytes()), int64(z1.Len()))
	if err != nil {
		t.Fatal(err)
	}
	wantOrder := []string{"a.json", "b/function.json", "bootstrap"}
	wantMode := map[string]os.FileMode{"a.json": 0o644, "b/function.json": 0o644, "bootstrap": 0o755}
	if len(zr.File) != len(wantOrder) {
		t.Fatalf("got %d entries, want %d", len(zr.File), len(wantOrder))
	}
	for i, f := range zr.File {
		if f.Name != wantOrder[i] {
			t.Errorf("entry %d = %s, want %s", i, f.Name, wantOrder[i])
		}
		if f.Mode().Perm() != wantMode[f.Name] {
			t.Errorf("%s mode = %v, want %v", f.Name, f.Mode().Perm(), wantMode[f.Name])
		}
		if !f.Modified.UTC().Equal(zipEpoch) {
			t.Errorf("%s modified = %v, want %v", f.Name, f.Modified, zipEpoch)
		}
	}
}

func TestWriteZipRejectsBadNames(t *testing.T) {
	for _, name := range []string{"", "/etc/passwd", "../x", `a\b`} {
		if err := WriteZip(&bytes.Buffer{}, []File{{Name: name}}); err == nil {
			t.Errorf("name %q: want an error", name)
		}
	}
	if err := WriteZip(&bytes.Buffer{}, []File{{Name: "x"}, {Name: "x"}}); err == nil {
		t.Error("duplicate names: want an error")
	}
}

func TestExtractKeepsContentAndExecBit(t *testing.T) {
	dir := t.TempDir()
	a, err := writeArtifact(filepath.Join(dir, "a.zip"), []File{{Name: "bootstrap", Mode: 0o755, Data: []byte("#!/bin/sh\n")}})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	paths, err := Extract(a.Path, out)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 1 {
		t.Fatalf("extracted %v", paths)
	}
	st, err := os.Stat(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm()&0o111 == 0 {
		t.Errorf("bootstrap lost its exec bit: %v", st.Mode())
	}
	data, _ := os.ReadFile(paths[0])
	if string(data) != "#!/bin/sh\n" {
		t.Errorf("content = %q", data)
	}
}

func TestTargetNormalize(t *testing.T) {
	tests := []struct {
		in      Target
		want    Target
		wantErr bool
	}{
		{Target{Platform: "lambda"}, Target{"lambda", "arm64"}, false},
		{Target{"lambda", "amd64"}, Target{"lambda", "amd64"}, false},
		{Target{Platform: "azure"}, Target{"azure", "amd64"}, false},
		{Target{Platform: "gcp"}, Target{"gcp", "amd64"}, false},
		{Target{"gcp", "arm64"}, Target{}, true},
		{Target{"azure", "arm64"}, Target{}, true},
		{Target{"lambda", "386"}, Target{}, true},
		{Target{"heroku", ""}, Target{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.in.String(), func(t *testing.T) {
			got, err := tc.in.Normalize()
			if tc.wantErr {
				if err == nil {
					t.Errorf("%v: want error", tc.in)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("%v: got %v, %v; want %v", tc.in, got, err, tc.want)
			}
		})
	}
}
