using System.Reflection;
using McMaster.Extensions.CommandLineUtils;

namespace FreshServe.Cli;

[Command(Name = "freshserve", FullName = "FreshServe",
    Description = "Keeps a development server fresh: on every save it stops the whole old server tree, proves the port is free, starts the new server and tells you when the new code is served.",
    ExtendedHelpText = """

Run 'freshserve watch --help' for the watch options, and 'freshserve doctor' when something is in the way.

Example:
  freshserve watch -- uvicorn web_app:app --port 8001
""")]
[Subcommand(typeof(WatchCommand), typeof(DoctorCommand))]
[VersionOptionFromMember("--version", MemberName = nameof(Version))]
public sealed class RootCommand
{
    [Option("-h|--help", "Show help.", CommandOptionType.NoValue)]
    public bool Help { get; set; }

    public static string Version =>
        typeof(RootCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    internal int OnExecute(CommandLineApplication app)
    {
        app.ShowHelp(usePager: false);
        return Help ? ExitCodes.Ok : ExitCodes.Usage;
    }
}
