// lua-health runs an Argo CD resource health script on Kubernetes objects, the way Argo CD does: gopher-lua
// (the VM Argo CD embeds), the object as the global `obj` (JSON decoded to Lua tables as Argo CD's util/lua
// does), only the package, base, table and os libraries open (Argo CD's set; no string or math), and the
// returned table read back as {status, message}.
//
// Usage: lua-health SCRIPT.lua OBJECT.json...   → one JSON line per object: {"file","status","message"}
package main

import (
	"encoding/json"
	"fmt"
	"os"

	lua "github.com/yuin/gopher-lua"
)

func decode(L *lua.LState, v interface{}) lua.LValue {
	switch x := v.(type) {
	case nil:
		return lua.LNil
	case bool:
		return lua.LBool(x)
	case float64:
		return lua.LNumber(x)
	case string:
		return lua.LString(x)
	case []interface{}:
		t := L.NewTable()
		for _, e := range x {
			t.Append(decode(L, e))
		}
		return t
	case map[string]interface{}:
		t := L.NewTable()
		for k, e := range x {
			t.RawSetString(k, decode(L, e))
		}
		return t
	}
	panic(fmt.Sprintf("unexpected JSON value %T", v))
}

func run(script string, file string) (map[string]string, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var obj map[string]interface{}
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	L := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer L.Close()
	for _, lib := range []struct {
		name string
		fn   lua.LGFunction
	}{{lua.LoadLibName, lua.OpenPackage}, {lua.BaseLibName, lua.OpenBase}, {lua.TabLibName, lua.OpenTable}, {lua.OsLibName, lua.OpenOs}} {
		L.Push(L.NewFunction(lib.fn))
		L.Push(lua.LString(lib.name))
		L.Call(1, 0)
	}
	L.SetGlobal("obj", decode(L, obj))
	if err := L.DoString(script); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	ret, ok := L.Get(-1).(*lua.LTable)
	if !ok {
		return nil, fmt.Errorf("%s: the script returned %s, not a table", file, L.Get(-1).Type())
	}
	out := map[string]string{"file": file}
	for _, k := range []string{"status", "message"} {
		if v := ret.RawGetString(k); v != lua.LNil {
			out[k] = v.String()
		}
	}
	return out, nil
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: lua-health SCRIPT.lua OBJECT.json...")
		os.Exit(2)
	}
	script, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	enc := json.NewEncoder(os.Stdout)
	for _, f := range os.Args[2:] {
		r, err := run(string(script), f)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		_ = enc.Encode(r)
	}
}
