// Package outputs derives a component's outputs from its struct, so each output is
// declared once, as a field with a `pulumi:"name"` tag (the shape of pulumi-eks's
// generated components). The same map is the component's registered outputs and
// the stack's exports.
package outputs

import (
	"fmt"
	"reflect"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Of returns every tagged pulumi.Output field of the component that pointer c
// points to, by tag name. A zero field (an output that this configuration does not
// have, such as a command for a database the stack does not create) is left out
// rather than exported empty. RegisterComponentResource gives every tagged field a
// pending output, so a component resets such a field to zero after registering.
func Of(c any) pulumi.Map {
	v := reflect.ValueOf(c)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		panic(fmt.Sprintf("outputs.Of(%T): want a pointer to a component struct", c))
	}
	v = v.Elem()
	outputType := reflect.TypeFor[pulumi.Output]()
	m := pulumi.Map{}
	for i := range v.NumField() {
		f := v.Type().Field(i)
		name, ok := f.Tag.Lookup("pulumi")
		if !ok || !f.Type.Implements(outputType) || v.Field(i).IsZero() {
			continue
		}
		m[name] = v.Field(i).Interface().(pulumi.Output)
	}
	return m
}
