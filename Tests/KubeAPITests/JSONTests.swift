import Foundation
import KubeAPI
import Testing

@Suite struct JSONTests {
    @Test func roundTripKeepsIntegersExact() throws {
        let v = try JSONParser.parse(#"{"b":[1,-2,3.5,1e3,9007199254740993],"a":"x\"y\\z\n\u00e9\ud83d\ude00","n":null,"t":true}"#)
        #expect(v["b"][0] == .int(1))
        #expect(v["b"][1] == .int(-2))
        #expect(v["b"][2] == .double(3.5))
        #expect(v["b"][3] == .double(1000))
        #expect(v["b"][4] == .int(9_007_199_254_740_993))
        #expect(v["a"].stringValue == "x\"y\\z\né😀")
        #expect(v.serializedString() == #"{"a":"x\"y\\z\né😀","b":[1,-2,3.5,1000,9007199254740993],"n":null,"t":true}"#)
    }

    @Test func escapesLikeGo() {
        let v: JSONValue = ["k": "<a&b>\u{01}"]
        #expect(v.serializedString() == #"{"k":"\u003ca\u0026b\u003e\u0001"}"#)
    }

    @Test(arguments: [
        ("", "unexpected end of JSON input"), ("{", "looking for beginning of object key string"),
        ("[1,]", "invalid character ']' looking for beginning of value"),
        ("{\"a\" 1}", "after object key"), ("01", "invalid character after top-level value"),
        ("\"\u{01}\"", "invalid character in string literal"),
        ("tru", "unexpected end of JSON input"), ("1.", "invalid character after decimal point in numeric literal"),
    ])
    func rejectsMalformedInput(text: String, message: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
        do {
            _ = try JSONParser.parse(text)
        } catch {
            #expect(error.message == message)
        }
    }

    /// Strings are scanned eight bytes at a time: a quote, an escape, a control character or
    /// a multi-byte character must be seen at every position of a word and across words.
    @Test func stringsAtEveryPositionOfAWord() throws {
        for length in 0..<40 {
            for position in 0..<max(length, 1) {
                var plain = Array(repeating: UInt8(ascii: "a"), count: length)
                if length > 0 { plain[position] = UInt8(ascii: "b") }
                let text = String(decoding: plain, as: UTF8.self)
                #expect(try JSONParser.parse("[\"\(text)\",1]") == .array([.string(text), .int(1)]))

                var escaped = plain
                escaped.insert(contentsOf: Array(#"\""#.utf8), at: position)
                let unescaped =
                    String(decoding: plain[..<position], as: UTF8.self) + "\"" + String(decoding: plain[position...], as: UTF8.self)
                #expect(try JSONParser.parse("\"\(String(decoding: escaped, as: UTF8.self))\"") == .string(unescaped))

                var withControl = plain
                withControl.insert(0x0A, at: position)
                let error = #expect(throws: JSONParseError.self) {
                    try JSONParser.parse([UInt8(ascii: "\"")] + withControl + [UInt8(ascii: "\"")])
                }
                #expect(error == JSONParseError(message: "invalid character in string literal", offset: position + 1))

                let multiByte = Array(plain[..<position]) + Array("é😀\"".utf8)
                let expected = String(decoding: plain[..<position], as: UTF8.self) + "é😀"
                #expect(try JSONParser.parse([UInt8(ascii: "\"")] + multiByte) == .string(expected))
            }
        }
        #expect(throws: JSONParseError(message: "unexpected end of JSON input", offset: 12)) { try JSONParser.parse(#""abcdefghijk"#) }
        #expect(try JSONParser.parse(#""a\u00e9bcdefghij\\klmnopqrstuvwxyz\/""#) == .string("aébcdefghij\\klmnopqrstuvwxyz/"))
    }

    @Test func integersAtTheEdgesOfInt64() throws {
        #expect(try JSONParser.parse("9223372036854775807") == .int(.max))
        #expect(try JSONParser.parse("-9223372036854775808") == .int(.min))
        #expect(try JSONParser.parse("9223372036854775808") == .double(9_223_372_036_854_775_808))
        #expect(try JSONParser.parse("-9223372036854775809") == .double(-9_223_372_036_854_775_809))
        #expect(try JSONParser.parse("123456789012345678901234567890") == .double(1.2345678901234568e29))
        #expect(try JSONParser.parse("-0") == .int(0))
        #expect(try JSONParser.parse("[0,-12,7e0,1E+2,2.50]") == .array([.int(0), .int(-12), .double(7), .double(100), .double(2.5)]))
        #expect(throws: JSONParseError(message: "invalid character in numeric literal", offset: 1)) { try JSONParser.parse("-x") }
        #expect(throws: JSONParseError(message: "invalid character in exponent of numeric literal", offset: 2)) {
            try JSONParser.parse("1e")
        }
    }

    @Test func nestedContainersKeepTheirOwnMembers() throws {
        let v = try JSONParser.parse(#"{"a":{"x":1,"y":[1,[2,{"z":3}],4]},"b":[],"c":{},"a2":{"x":2},"x":1,"x":2}"#)
        #expect(
            v == [
                "a": ["x": 1, "y": [1, [2, ["z": 3]], 4]], "b": [], "c": [:], "a2": ["x": 2], "x": 2,
            ])
        #expect(throws: JSONParseError(message: "after array element", offset: 9)) { try JSONParser.parse(#"[{"a":1} 2]"#) }
    }

    @Test func refusesDeepNesting() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONParseError(message: "exceeded max depth", offset: 200)) { try JSONParser.parse(deep) }
    }

    @Test func pathsReadAndWrite() {
        var v: JSONValue = [:]
        v.setValue("x", at: ["metadata", "labels", "app"])
        #expect(v.serializedString() == #"{"metadata":{"labels":{"app":"x"}}}"#)
        v.setValue(.null, at: ["metadata", "labels", "app"])
        #expect(v.value(at: ["metadata", "labels"]) == .object([:]))
        #expect(v["missing"]["deeper"].isNull)
    }
}

@Suite struct SelectorTests {
    let labels = ["env": "prod", "tier": "web"]

    @Test(arguments: [
        ("env=prod", true), ("env==prod", true), ("env!=prod", false), ("env in (prod,dev)", true), ("env notin (prod)", false),
        ("tier", true), ("!tier", false), ("missing!=x", true), ("env=prod,tier=db", false), ("", true), ("env in (dev), tier", false),
    ])
    func labelSelectorMatches(selector: String, expected: Bool) throws {
        #expect(try LabelSelector.parse(selector).matches(labels) == expected)
    }

    @Test func labelSelectorRejectsGarbage() {
        #expect(throws: LabelSelector.ParseError.self) { try LabelSelector.parse("env in prod") }
        #expect(throws: LabelSelector.ParseError.self) { try LabelSelector.parse("bad key!=x") }
    }

    @Test func labelSelectorObjectForm() throws {
        let s = try LabelSelector.from(object: [
            "matchLabels": ["app": "web"], "matchExpressions": [["key": "tier", "operator": "In", "values": ["a", "b"]]],
        ])
        #expect(s.description == "app=web,tier in (a,b)")
        #expect(s.matches(["app": "web", "tier": "b"]))
        #expect(!s.matches(["app": "web"]))
    }

    @Test func fieldSelector() throws {
        let s = try FieldSelector.parse("metadata.name=a,status.phase!=Running")
        #expect(s.matches(["metadata.name": "a", "status.phase": "Pending"]))
        #expect(!s.matches(["metadata.name": "a", "status.phase": "Running"]))
        #expect(throws: FieldSelector.ParseError(message: "invalid selector: 'nonsense'; can't understand 'nonsense'")) {
            try FieldSelector.parse("nonsense")
        }
    }
}

@Suite struct ValidationTests {
    @Test func namesAndLabels() {
        #expect(Validation.dns1123Subdomain("my-app.example").isEmpty)
        #expect(
            Validation.dns1123Subdomain("Bad_Name") == [
                "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
            ])
        #expect(Validation.dns1035Label("1svc").count == 1)
        #expect(Validation.dns1035Label("svc-1").isEmpty)
        #expect(Validation.labelValue("").isEmpty)
        #expect(Validation.labelValue("bad value!").count == 1)
        #expect(Validation.qualifiedName("example.com/name").isEmpty)
        #expect(Validation.qualifiedName("a/b/c").count == 1)
        #expect(Validation.configMapKey("..").contains("must not be '..'"))
        #expect(Validation.dns1123Label(String(repeating: "a", count: 64)) == ["must be no more than 63 characters"])
    }

    @Test func statusErrorRendering() {
        let e = StatusError.invalid(
            kind: "Deployment", group: "apps", name: "d",
            causes: [.invalid("spec.replicas", -1, "must be greater than or equal to 0"), .required("spec.selector")])
        #expect(
            e.message
                == "Deployment.apps \"d\" is invalid: [spec.replicas: Invalid value: -1: must be greater than or equal to 0, spec.selector: Required value]"
        )
        #expect(e.code == 422)
        let status = e.statusObject
        #expect(status["reason"] == "Invalid")
        #expect(status["details"]["causes"][0]["field"] == "spec.replicas")
        #expect(status["details"]["causes"][1]["reason"] == "FieldValueRequired")
        #expect(StatusError.notFound(resource: "deployments", group: "apps", name: "x").message == "deployments.apps \"x\" not found")
    }

    @Test func humanAge() {
        let now = Timestamp.parse("2026-01-01T12:00:00Z")!
        #expect(Timestamp.humanAge(since: Timestamp.parse("2026-01-01T11:59:55Z")!, now: now) == "5s")
        #expect(Timestamp.humanAge(since: Timestamp.parse("2026-01-01T11:55:30Z")!, now: now) == "4m30s")
        #expect(Timestamp.humanAge(since: Timestamp.parse("2026-01-01T09:00:00Z")!, now: now) == "3h")
        #expect(Timestamp.humanAge(since: Timestamp.parse("2025-12-29T12:00:00Z")!, now: now) == "3d")
        #expect(Timestamp.format(now) == "2026-01-01T12:00:00Z")
    }
}

@Suite struct TimestampTests {
    @Test(arguments: [
        ("1970-01-01T00:00:00Z", 0.0), ("2026-11-25T17:15:55Z", 1_795_626_955), ("2000-02-29T23:59:59Z", 951_868_799),
        ("1969-12-31T23:59:59Z", -1),
    ])
    func roundTrips(text: String, seconds: Double) throws {
        let d = try #require(Timestamp.parse(text))
        #expect(d.timeIntervalSince1970 == seconds)
        #expect(Timestamp.format(d) == text)
    }

    @Test func parsesFractionsAndOffsets() throws {
        #expect(Timestamp.parse("2026-01-01T12:00:00.250000Z")?.timeIntervalSince1970 == 1_767_268_800.25)
        #expect(Timestamp.parse("2026-01-01T13:30:00+01:30")?.timeIntervalSince1970 == 1_767_268_800)
        #expect(Timestamp.formatMicro(Date(timeIntervalSince1970: 1_767_268_800.5)) == "2026-01-01T12:00:00.500000Z")
        for bad in ["", "2026-13-01T00:00:00Z", "2026-01-01 00:00:00Z", "2026-01-01T00:00:00", "2026-01-01T00:00:00Zx"] {
            #expect(Timestamp.parse(bad) == nil, "\(bad)")
        }
    }
}

@Suite struct YAMLTests {
    @Test func resolvesScalarsLikeKubernetesTools() throws {
        let v = try YAMLDecoding.decode(
            """
            a: 1
            b: true
            c: "1"
            d: 1.5
            e: null
            f: [x, 2]
            g: {h: no}
            i: 0x1F
            """)
        #expect(v == ["a": 1, "b": true, "c": "1", "d": .double(1.5), "e": .null, "f": ["x", 2], "g": ["h": false], "i": "0x1F"])
        #expect(v.objectValue?.keys.contains("e") == true)
    }
}

@Suite struct SerializationOrderTests {
    @Test func firstKeyComesFirst() {
        let v: JSONValue = ["kind": "ConfigMap", "apiVersion": "v1", "metadata": ["name": "a"], "data": ["k": "v"]]
        #expect(
            String(decoding: v.serialized(firstKey: "metadata"), as: UTF8.self)
                == #"{"metadata":{"name":"a"},"apiVersion":"v1","data":{"k":"v"},"kind":"ConfigMap"}"#)
        #expect(JSONValue.array([1]).serialized(firstKey: "metadata") == Array("[1]".utf8))
    }
}
