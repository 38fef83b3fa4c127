import DNSWire
import Testing

@testable import DNSProviders

struct ProviderConfigurationTests {
    @Test func readsTheSeedsAzureFile() throws {
        let text = """
            [Global]
            subscription-id = 0000-1111
            tenant-id = [sp tenant]
            client-id = app
            secret = "p@ss = word"
            # a comment
            resourceGroup = fed-dns-rg
            """
        let configuration = try ProviderConfiguration(parsing: text)
        #expect(try configuration.required("subscription-id") == "0000-1111")
        #expect(try configuration.required("secret") == "p@ss = word")
        #expect(try configuration.required("resourcegroup") == "fed-dns-rg")
        #expect(configuration.optional("endpoint") == nil)
    }

    @Test func errorsNameWhatIsWrong() {
        #expect(throws: ProviderConfigurationError.missingKey("server", file: "--dns-provider-config")) {
            try RFC2136Provider(configuration: ProviderConfiguration(parsing: "port = 53"), defaultZone: "example.test.")
        }
        #expect(throws: ProviderConfigurationError.missingKey("tsig-secret", file: "--dns-provider-config")) {
            try RFC2136Provider(
                configuration: ProviderConfiguration(parsing: "server = 127.0.0.1\ntsig-key-name = k"), defaultZone: "example.test.")
        }
        #expect(throws: ProviderConfigurationError.invalidValue("port", value: "x", expected: "an integer in 1...65535")) {
            try RFC2136Provider(configuration: ProviderConfiguration(parsing: "server = a\nport = x"), defaultZone: "example.test.")
        }
        #expect(throws: ProviderConfigurationError.malformedLine(line: 2, text: "nonsense")) {
            try ProviderConfiguration(parsing: "a = b\nnonsense")
        }
        #expect(throws: ProviderConfigurationError.unknownSection("Other")) { try ProviderConfiguration(parsing: "[Other]\na = b") }
    }
}
