import Foundation
import MeridianCLI

@main
struct MeridianMain {
    static func main() async {
        exit(await Meridian.runMain())
    }
}
