package benchrig

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"strconv"
	"strings"
)

// Report collects the lines of a results section, echoing each on
// standard error as it comes.
type Report struct {
	Lines []string
}

// Addf adds a line.
func (r *Report) Addf(format string, args ...any) {
	r.Lines = append(r.Lines, fmt.Sprintf(format, args...))
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}

// String is the lines, each ended.
func (r *Report) String() string {
	var b strings.Builder
	for _, l := range r.Lines {
		b.WriteString(l + "\n")
	}
	return b.String()
}

// WriteFile writes a results file and says so on standard error.
func WriteFile(path, text string) error {
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	fmt.Fprintln(os.Stderr, "wrote", path)
	return nil
}

// PutSection replaces the section between the markers named name in the
// Markdown file at path, or appends it; the rest of the file stays.
func PutSection(path, name, text string) error {
	begin, end := "<!-- "+name+" -->", "<!-- /"+name+" -->"
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("read results: %w", err)
	}
	md := string(old)
	block := begin + "\n" + strings.TrimRight(text, "\n") + "\n" + end
	i, j := strings.Index(md, begin), strings.Index(md, end)
	if i >= 0 && j > i {
		md = md[:i] + block + md[j+len(end):]
	} else {
		md = strings.TrimRight(md, "\n") + "\n\n" + block + "\n"
	}
	return WriteFile(path, strings.TrimLeft(md, "\n"))
}

// ReadJSON reads the figures of a JSON file into figures; a missing file
// leaves them as they are.
func ReadJSON[V any](path string, figures map[string]V) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	if err := json.Unmarshal(b, &figures); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	return nil
}

// WriteJSON writes figures, indented, to a JSON file.
func WriteJSON[V any](path string, figures map[string]V) error {
	j, err := json.MarshalIndent(figures, "", "  ")
	if err != nil {
		return fmt.Errorf("figures: %w", err)
	}
	if err := os.WriteFile(path, append(j, '\n'), 0o644); err != nil {
		return fmt.Errorf("write figures: %w", err)
	}
	return nil
}

// MergeJSON sets the keys of set in the JSON figures file at path,
// keeping its other keys.
func MergeJSON(path string, set map[string]any) error {
	figures := map[string]any{}
	if err := ReadJSON(path, figures); err != nil {
		return err
	}
	maps.Copy(figures, set)
	return WriteJSON(path, figures)
}

// Round rounds v to digits decimals, as the figures files hold it.
func Round(v float64, digits int) float64 {
	out, err := strconv.ParseFloat(strconv.FormatFloat(v, 'f', digits, 64), 64)
	if err != nil {
		return v
	}
	return out
}

// Verdict is how a results table marks a target met or not.
func Verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "**not met**"
}

// LoadAvg is the machine's load averages over 1, 5 and 15 minutes, or
// "unknown": the benchmarks share their cores with whatever else runs.
func LoadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// Args are the command's arguments as the results cite them, each after a
// space, with connection strings (which may hold a password) as URL.
func Args() string {
	var b strings.Builder
	for _, a := range os.Args[1:] {
		if strings.Contains(a, "://") {
			a = "URL"
		}
		b.WriteString(" " + a)
	}
	return b.String()
}

// Cleanup runs a deferred release and reports its failure on standard
// error: by then the run has its figures, so a failed release does not
// fail it.
func Cleanup(what string, release func() error) {
	if err := release(); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %s: %v\n", command(), what, err)
	}
}

// Exit ends the command: with status 1 after printing err if there is
// one.
func Exit(err error) {
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", command(), err)
		os.Exit(1)
	}
	os.Exit(0)
}

// Usagef ends the command with status 2 after printing a usage error.
func Usagef(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s: %s\n", command(), fmt.Sprintf(format, args...))
	os.Exit(2)
}

// command is the running command's name.
func command() string {
	name := os.Args[0]
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	return name
}
