package config_test

import "fmt"

func sprint(v any) string   { return fmt.Sprintf("%v %+v", v, v) }
func gosprint(v any) string { return fmt.Sprintf("%#v", v) }
