package build_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"log"

	"github.com/ai-agent-connector/ai-agent-connector/infra/build"
)

// WriteZip sorts entries and fixes their times and modes, so the same files give
// the same bytes and an unchanged function is not redeployed.
func ExampleWriteZip() {
	files := []build.File{
		{Name: "bootstrap", Mode: 0o755, Data: []byte("binary")},
		{Name: "README.txt", Data: []byte("notes")},
	}
	var a, b bytes.Buffer
	if err := build.WriteZip(&a, files); err != nil {
		log.Fatal(err)
	}
	if err := build.WriteZip(&b, []build.File{files[1], files[0]}); err != nil {
		log.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(a.Bytes()), int64(a.Len()))
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range zr.File {
		fmt.Println(f.Name, f.Mode(), f.Modified.Format("2006-01-02"))
	}
	fmt.Println("same bytes:", bytes.Equal(a.Bytes(), b.Bytes()))
	// Output:
	// README.txt -rw-r--r-- 1980-01-01
	// bootstrap -rwxr-xr-x 1980-01-01
	// same bytes: true
}
