package tune

import (
	"bytes"
	"fmt"
	"os"
	"strconv"

	"gopkg.in/yaml.v3"
)

// MemoryKey is the stack config key tune writes.
const MemoryKey = "ai-agent-connector:memoryMB"

// SetMemoryMB sets config.ai-agent-connector:memoryMB in a stack file through the YAML node
// tree (yaml.v3), so comments, key order and every other value stay as they are. It returns
// the previous value. Missing key: it is added at the end of the config mapping.
func SetMemoryMB(path string, mb int) (string, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read stack file: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return "", fmt.Errorf("%s: not a YAML mapping (a Pulumi stack file has `config:` at the top)", path)
	}
	cfg := mapValue(doc.Content[0], "config")
	if cfg == nil || cfg.Kind != yaml.MappingNode {
		return "", fmt.Errorf("%s: no `config:` mapping", path)
	}
	val := strconv.Itoa(mb)
	old := ""
	if v := mapValue(cfg, MemoryKey); v != nil {
		if v.Kind != yaml.ScalarNode {
			return "", fmt.Errorf("%s: key %s is not a scalar (it is written as %q); want a number of MB", path, MemoryKey, v.Tag)
		}
		old = v.Value
		v.Value, v.Tag, v.Style = val, "!!int", 0
	} else {
		cfg.Content = append(cfg.Content,
			&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: MemoryKey},
			&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: val})
	}
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return "", fmt.Errorf("%s: encode: %w", path, err)
	}
	if err := enc.Close(); err != nil {
		return "", fmt.Errorf("%s: encode: %w", path, err)
	}
	info, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("stat stack file: %w", err)
	}
	if err := os.WriteFile(path, out.Bytes(), info.Mode().Perm()); err != nil {
		return "", fmt.Errorf("write stack file: %w", err)
	}
	return old, nil
}

func mapValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}
