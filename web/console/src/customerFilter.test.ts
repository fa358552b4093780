import { describe, expect, it } from "vitest";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { LifecycleStage } from "@gen/crm/customer/v1/customer_pb.js";
import { emptyQuery, isFiltered, listRequest, paramsFromQuery, queryFromParams, type CustomerQuery } from "./customerFilter";

const full: CustomerQuery = {
  q: "",
  stage: LifecycleStage.STABILITY,
  country: "DE",
  tag: "vip",
  owner: "anna",
  createdFrom: "2024-01-01",
  createdTo: "2024-01-31",
  updatedFrom: "2024-02-01",
  updatedTo: "2024-02-29",
  attrs: [
    { key: "plan", type: "string", value: "gold: yearly" },
    { key: "score", type: "number", value: "4.5" },
    { key: "newsletter", type: "bool", value: "true" },
    { key: "renewal", type: "time", value: "2024-06-01T09:30" },
  ],
  order: "create_time desc",
  deleted: true,
};

describe("customer query in the address", () => {
  it("goes through the address and back unchanged", () => {
    const p = paramsFromQuery(full);
    expect(p.get("stage")).toBe("stability");
    expect(p.getAll("attr")).toEqual(["plan:string:gold: yearly", "score:number:4.5", "newsletter:bool:true", "renewal:time:2024-06-01T09:30"]);
    expect(queryFromParams(new URLSearchParams(p.toString()))).toEqual(full);
  });

  it("writes nothing for the empty query", () => {
    expect(paramsFromQuery(emptyQuery).toString()).toBe("");
    expect(queryFromParams(new URLSearchParams(""))).toEqual(emptyQuery);
  });

  it("leaves out what does not parse", () => {
    const q = queryFromParams(new URLSearchParams("stage=nonsense&created_from=yesterday&attr=plain&attr=k:float:1&order=name&deleted=yes&tag=x"));
    expect(q).toEqual({ ...emptyQuery, tag: "x" });
  });

  it("says whether anything but the text and the order narrows the list", () => {
    expect(isFiltered({ ...emptyQuery, q: "ada", order: "create_time" })).toBe(false);
    expect(isFiltered({ ...emptyQuery, owner: "anna" })).toBe(true);
    expect(isFiltered({ ...emptyQuery, attrs: [{ key: "", type: "string", value: "" }] })).toBe(true);
  });
});

describe("customer query as a ListCustomers request", () => {
  it("fills every filter field, the end day included", () => {
    const { request, problems } = listRequest({ ...full, country: " de ", tag: " vip " });
    expect(problems).toEqual([]);
    const f = request.filter!;
    expect(f.lifecycleStage).toBe(LifecycleStage.STABILITY);
    expect(f.countryCode).toBe("DE");
    expect(f.tag).toBe("vip");
    expect(f.owner).toBe("anna");
    expect(timestampDate(f.createTimeFrom as never)).toEqual(new Date(2024, 0, 1));
    expect(timestampDate(f.createTimeTo as never)).toEqual(new Date(2024, 1, 1)); // the 31st included
    expect(timestampDate(f.updateTimeFrom as never)).toEqual(new Date(2024, 1, 1));
    expect(timestampDate(f.updateTimeTo as never)).toEqual(new Date(2024, 2, 1)); // leap day included
    expect(f.attributes!.plan).toEqual({ kind: { case: "stringValue", value: "gold: yearly" } });
    expect(f.attributes!.score).toEqual({ kind: { case: "numberValue", value: 4.5 } });
    expect(f.attributes!.newsletter).toEqual({ kind: { case: "boolValue", value: true } });
    const t = f.attributes!.renewal.kind as { case: string; value: never };
    expect(t.case).toBe("timeValue");
    expect(timestampDate(t.value)).toEqual(new Date(2024, 5, 1, 9, 30));
    expect(request.orderBy).toBe("create_time desc");
    expect(request.showDeleted).toBe(true);
  });

  it("sends no time or attribute the user did not give", () => {
    const { request } = listRequest(emptyQuery);
    expect(request.filter).toEqual({ lifecycleStage: 0, countryCode: "", tag: "", owner: "" });
    expect(request.orderBy).toBe("display_name");
  });

  it("names what keeps a query from being sent", () => {
    const { problems } = listRequest({
      ...emptyQuery,
      createdFrom: "2024-02-01",
      createdTo: "2024-01-01",
      attrs: [
        { key: "score", type: "number", value: "many" },
        { key: "vip", type: "bool", value: "yes" },
        { key: "since", type: "time", value: "soon" },
        { key: "", type: "number", value: "x" },
        { key: "vip", type: "bool", value: "false" },
      ],
    });
    expect(problems).toEqual([
      { field: "filter.create_time_to", description: "the last day is before the first" },
      { field: "filter.attributes[0]", description: "score: not a number" },
      { field: "filter.attributes[1]", description: "vip: true or false" },
      { field: "filter.attributes[2]", description: "since: a date (2024-05-31) or date and time (2024-05-31T14:00)" },
      { field: "filter.attributes[4]", description: "vip is given twice" },
    ]);
  });
});
