using System.Reflection;
using McMaster.Extensions.CommandLineUtils;
using FreshServe.Common;

namespace FreshServe.Cli;

/// <summary><c>freshserve</c> itself: its help, its version, and the watch and doctor commands.</summary>
public static class RootCommand
{
    public static string Version =>
        typeof(RootCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static CommandLineApplication Create()
    {
        var app = new CommandLineApplication
        {
            Name = "freshserve",
            FullName = "FreshServe",
            Description = "Keeps a development server fresh: on every save it stops the whole old server tree, proves the port is free, starts the new server and tells you when the new code is served.",
            ExtendedHelpText = """

Run 'freshserve watch --help' for the watch options, and 'freshserve doctor' when something is in the way.

Example:
  freshserve watch -- uvicorn web_app:app --port 8001
""",
            ThrowOnUnexpectedArgument = true,
        };
        app.VersionOption("--version", () => Version);
        var help = FreshServeApp.HelpOption(app);
        app.Command("watch", watch =>
        {
            var watchHelp = FreshServeApp.HelpOption(watch);
            var read = WatchCommandLine.Define(watch);
            watch.OnExecute(async () =>
            {
                if (watchHelp.HasValue())
                {
                    watch.ShowHelp(usePager: false);
                    return ExitCodes.Ok;
                }

                return await WatchCommand.RunAsync(read()).ConfigureAwait(false);
            });
        });
        app.Command("doctor", DoctorCommand.Define);
        app.Command("status", ControlCommandLine.DefineStatus);
        app.Command("restart", ControlCommandLine.DefineRestart);
        app.OnExecute(() =>
        {
            app.ShowHelp(usePager: false);
            return help.HasValue() ? ExitCodes.Ok : ExitCodes.Usage;
        });
        return app;
    }
}
