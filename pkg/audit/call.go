package audit

import (
	"slices"
	"strings"

	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// readPrefixes begin the names of methods that only read, whatever their
// route (PreviewEarning is a POST that changes nothing).
var readPrefixes = []string{"Get", "List", "BatchGet", "Search", "Find", "Lookup", "Preview", "Summarize", "Watch"}

// IsMutation reports whether calls of md are audited: every method but
// reads, which are those bound to an HTTP GET route and those whose name
// begins with a read prefix (Get, List, BatchGet, Search, Find, Lookup,
// Preview, Summarize, Watch).
func IsMutation(md protoreflect.MethodDescriptor) bool {
	if rule, _ := proto.GetExtension(md.Options(), annotations.E_Http).(*annotations.HttpRule); rule.GetGet() != "" {
		return false
	}
	name := string(md.Name())
	return !slices.ContainsFunc(readPrefixes, func(p string) bool { return strings.HasPrefix(name, p) })
}

// isErasure reports whether a successful call of md erases the customer it
// names: methods named Erase...
func isErasure(md protoreflect.MethodDescriptor) bool {
	return strings.HasPrefix(string(md.Name()), "Erase")
}

// call is what an entry says of a call's messages.
type call struct {
	resource, customer, requestID string
	paths                         []string
}

// describe reads a call's request and, when it succeeded, its response
// (nil otherwise). Only names are read: resource names, field paths, the
// request id; never a field's value.
//
// The resource is the request's name field; else its first resource-typed
// field in field order (a string field holding a name of the collection the
// field is named for, such as program = "programs/gold", or a resource
// message's name, such as UpdateCustomerRequest.customer.name); else the
// same read from the response (the created resource). The customer is the
// resource when it is a customer, else the one customer that the request's
// (then the response's) name and customer fields name, at any depth.
// Changed paths are the update mask's paths when the request has one; else
// the request's set fields, a resource message's set fields as
// "field.subfield".
func describe(req, resp proto.Message) call {
	var c call
	m := req.ProtoReflect()
	c.requestID = stringField(m, "request_id")
	c.resource = resourceOf(m)
	if c.resource == "" && resp != nil {
		c.resource = resourceOf(resp.ProtoReflect())
	}
	switch {
	case isCustomer(c.resource):
		c.customer = customerPrefix(c.resource)
	default:
		c.customer = onlyCustomer(m)
		if c.customer == "" && resp != nil {
			c.customer = onlyCustomer(resp.ProtoReflect())
		}
	}
	c.paths = changedPaths(m)
	return c
}

func stringField(m protoreflect.Message, name protoreflect.Name) string {
	fd := m.Descriptor().Fields().ByName(name)
	if fd == nil || fd.Kind() != protoreflect.StringKind || fd.IsList() || fd.IsMap() {
		return ""
	}
	return m.Get(fd).String()
}

func isResourceMessage(fd protoreflect.FieldDescriptor) bool {
	return fd.Message() != nil && !fd.IsList() && !fd.IsMap() && proto.HasExtension(fd.Message().Options(), annotations.E_Resource)
}

func resourceOf(m protoreflect.Message) string {
	if n := stringField(m, "name"); n != "" {
		return n
	}
	fields := m.Descriptor().Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		if !m.Has(fd) {
			continue
		}
		switch {
		case fd.Kind() == protoreflect.StringKind && !fd.IsList() && !fd.IsMap():
			v, collection := m.Get(fd).String(), string(fd.Name())+"s/"
			if strings.HasPrefix(v, collection) || strings.Contains(v, "/"+collection) {
				return v
			}
		case isResourceMessage(fd):
			if n := stringField(m.Get(fd).Message(), "name"); n != "" {
				return n
			}
		}
	}
	return ""
}

func isCustomer(name string) bool {
	return strings.HasPrefix(name, "customers/") && len(name) > len("customers/")
}

// customerPrefix is the customer a customer's (sub-)resource name belongs
// to: "customers/{id}".
func customerPrefix(name string) string {
	id, _, _ := strings.Cut(strings.TrimPrefix(name, "customers/"), "/")
	return "customers/" + id
}

// maxDepth bounds the walk for customer names: a batch's requests' resource
// messages are at depth 3.
const maxDepth = 4

// onlyCustomer returns the customer that m's name and customer fields
// name, or "" when they name none or several.
func onlyCustomer(m protoreflect.Message) string {
	found := map[string]bool{}
	collectCustomers(m, maxDepth, found)
	if len(found) != 1 {
		return ""
	}
	for c := range found {
		return c
	}
	return ""
}

func collectCustomers(m protoreflect.Message, depth int, found map[string]bool) {
	if depth == 0 {
		return
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsMap():
		case fd.Kind() == protoreflect.StringKind && !fd.IsList():
			if (fd.Name() == "name" || fd.Name() == "customer") && isCustomer(v.String()) {
				found[customerPrefix(v.String())] = true
			}
		case fd.Message() != nil && fd.IsList():
			for i := range v.List().Len() {
				collectCustomers(v.List().Get(i).Message(), depth-1, found)
			}
		case fd.Message() != nil:
			collectCustomers(v.Message(), depth-1, found)
		}
		return true
	})
}

// notChanges are request fields that say how to call, not what to change.
var notChanges = map[protoreflect.Name]bool{"request_id": true, "etag": true, "validate_only": true}

func changedPaths(m protoreflect.Message) []string {
	if fd := m.Descriptor().Fields().ByName("update_mask"); fd != nil && m.Has(fd) {
		if mask, ok := m.Get(fd).Message().Interface().(*fieldmaskpb.FieldMask); ok {
			return slices.Sorted(slices.Values(mask.GetPaths()))
		}
	}
	var paths []string
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case notChanges[fd.Name()]:
		case isResourceMessage(fd):
			v.Message().Range(func(sub protoreflect.FieldDescriptor, _ protoreflect.Value) bool {
				paths = append(paths, string(fd.Name())+"."+string(sub.Name()))
				return true
			})
		default:
			paths = append(paths, string(fd.Name()))
		}
		return true
	})
	slices.Sort(paths)
	return paths
}

// merge combines the descriptions of a stream's requests: the union of
// their paths; the resource, customer and request id they all share, else
// none.
func merge(calls []call) call {
	if len(calls) == 0 {
		return call{}
	}
	out := calls[0]
	seen := map[string]bool{}
	out.paths = nil
	for _, c := range calls {
		if c.resource != out.resource {
			out.resource = ""
		}
		if c.customer != out.customer {
			out.customer = ""
		}
		if c.requestID != out.requestID {
			out.requestID = ""
		}
		for _, p := range c.paths {
			if !seen[p] {
				seen[p] = true
				out.paths = append(out.paths, p)
			}
		}
	}
	slices.Sort(out.paths)
	return out
}
