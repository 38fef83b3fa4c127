import MeridianCLI

@main
struct MeridianMain {
    static func main() async {
        await Meridian.main()
    }
}
