package build

import (
	"archive/zip"
	"compress/flate"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// File is one archive entry: Data, or the contents of Src when Data is nil.
type File struct {
	Name string      // slash-separated path inside the archive
	Mode fs.FileMode // 0o755 for executables, 0o644 otherwise
	Data []byte
	Src  string
}

// zipEpoch is the fixed modification time of every entry (the earliest a zip's DOS time
// can hold), so archives do not depend on when or where they were built.
var zipEpoch = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// WriteZip writes files as a deterministic zip: entries sorted by name, fixed times,
// fixed modes, no directory entries, deflate at best compression.
func WriteZip(w io.Writer, files []File) error {
	files = append([]File(nil), files...)
	if err := sortFiles(files); err != nil {
		return err
	}
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.BestCompression)
	})
	for _, f := range files {
		if f.Name == "" || strings.HasPrefix(f.Name, "/") || strings.Contains(f.Name, "\\") || strings.Contains(f.Name, "..") {
			return fmt.Errorf("archive entry %q: want a relative slash-separated path", f.Name)
		}
		mode := f.Mode.Perm()
		if mode == 0 {
			mode = 0o644
		}
		hdr := &zip.FileHeader{Name: f.Name, Method: zip.Deflate, Modified: zipEpoch}
		hdr.SetMode(mode)
		ew, err := zw.CreateHeader(hdr)
		if err != nil {
			return fmt.Errorf("archive entry %s: %w", f.Name, err)
		}
		if f.Data != nil || f.Src == "" {
			if _, err := ew.Write(f.Data); err != nil {
				return fmt.Errorf("archive entry %s: %w", f.Name, err)
			}
			continue
		}
		if err := copyFile(ew, f.Src); err != nil {
			return fmt.Errorf("archive entry %s: %w", f.Name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("finish zip: %w", err)
	}
	return nil
}

func copyFile(w io.Writer, src string) error {
	r, err := os.Open(src)
	if err != nil {
		return err
	}
	defer r.Close()
	_, err = io.Copy(w, r)
	return err
}

// Extract unpacks a zip written by WriteZip into dir, keeping the executable bit, and
// returns the paths it wrote. Local emulation uses it to run the very artifact a deploy uploads.
func Extract(zipPath, dir string) ([]string, error) {
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", zipPath, err)
	}
	defer zr.Close()
	var out []string
	for _, f := range zr.File {
		if strings.Contains(f.Name, "..") || strings.HasPrefix(f.Name, "/") {
			return nil, fmt.Errorf("%s: unsafe entry %q", zipPath, f.Name)
		}
		dst := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return nil, fmt.Errorf("extract %s: %w", f.Name, err)
		}
		if err := extractOne(f, dst); err != nil {
			return nil, fmt.Errorf("extract %s: %w", f.Name, err)
		}
		out = append(out, dst)
	}
	return out, nil
}

func extractOne(f *zip.File, dst string) error {
	r, err := f.Open()
	if err != nil {
		return err
	}
	defer r.Close()
	w, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, f.Mode().Perm()|0o200)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, r); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}
