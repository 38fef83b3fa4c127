import KubeAPI
import Store
import Testing

@testable import APIServer

@Suite struct RawObjectTests {
    func splice(_ text: String, rev: Revision = 42) -> String? {
        RawObject.withResourceVersion(KeyValue(key: "/k", value: Array(text.utf8), createRevision: 1, modRevision: rev)).map {
            String(decoding: $0, as: UTF8.self)
        }
    }

    @Test func splicesIntoTopLevelMetadataOnly() throws {
        #expect(
            splice(#"{"metadata":{"name":"a"},"data":{"metadata":"x"}}"#)
                == #"{"metadata":{"resourceVersion":"42","name":"a"},"data":{"metadata":"x"}}"#)
        #expect(
            splice(#"{"data":{"metadata":{"n":1}},"kind":"metadata","metadata":{}}"#)
                == #"{"data":{"metadata":{"n":1}},"kind":"metadata","metadata":{"resourceVersion":"42"}}"#)
        #expect(
            splice(#"{"a":"\"metadata\":{","metadata":{"x":1}}"#) == #"{"a":"\"metadata\":{","metadata":{"resourceVersion":"42","x":1}}"#)
        #expect(splice(#"{"kind":"X"}"#) == nil)
        let spliced = try #require(splice(#"{"metadata":{"name":"a","labels":{"x":"y"}},"data":{}}"#))
        #expect(try JSONParser.parse(spliced)["metadata"]["resourceVersion"] == "42")
    }
}
