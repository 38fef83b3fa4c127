import Foundation
import Testing

@testable import DNSProviders

/// AWS's published SigV4 test-suite vectors (get-vanilla, get-vanilla-query-order-key-case).
struct SigV4Tests {
    let signer = SigV4(
        accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", region: "us-east-1", service: "service")
    let date = Date(timeIntervalSince1970: 1_440_938_160)  // 2015-08-30T12:36:00Z

    func authorization(query: [(String, String)]) -> String? {
        signer.headers(method: "GET", host: "example.amazonaws.com", path: "/", query: query, body: [], date: date)
            .first { $0.0 == "Authorization" }?.1
    }

    @Test func getVanilla() {
        #expect(
            authorization(query: [])
                == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        )
    }

    @Test func queryIsSortedBeforeSigning() {
        #expect(
            authorization(query: [("Param2", "value2"), ("Param1", "value1")])?.hasSuffix(
                "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500") == true)
    }
}
