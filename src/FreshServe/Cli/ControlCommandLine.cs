using FreshServe.Common;
using FreshServe.Services;
using FreshServe.Sessions;
using McMaster.Extensions.CommandLineUtils;

namespace FreshServe.Cli;

/// <summary><c>freshserve status</c> and <c>freshserve restart [service...]</c>, asked of the session running here.</summary>
public static class ControlCommandLine
{
    public static void DefineStatus(CommandLineApplication app)
    {
        app.Description = "List the services of the freshserve session running in this folder: generation, pid, port, ready since, last restart and why.";
        app.ThrowOnUnexpectedArgument = true;
        var help = FreshServeApp.HelpOption(app);
        app.OnExecute(async () => help.HasValue() ? ShowHelp(app) : await AskAsync("status").ConfigureAwait(false));
    }

    public static void DefineRestart(CommandLineApplication app)
    {
        app.Description = "Restart services of the freshserve session running in this folder (all of them when none is named), dependencies first.";
        app.ThrowOnUnexpectedArgument = true;
        var help = FreshServeApp.HelpOption(app);
        var names = app.Argument("service", "The services to restart.", multipleValues: true);
        app.OnExecute(async () => help.HasValue()
            ? ShowHelp(app)
            : await AskAsync(string.Join(' ', new[] { "restart" }.Concat(names.Values.OfType<string>()))).ConfigureAwait(false));
    }

    private static int ShowHelp(CommandLineApplication app)
    {
        app.ShowHelp(usePager: false);
        return ExitCodes.Ok;
    }

    private static async Task<int> AskAsync(string request)
    {
        foreach (var line in await ControlClient.AskAsync(request, Environment.CurrentDirectory, SessionRegistry.ForCurrentUser()).ConfigureAwait(false))
        {
            await Console.Out.WriteLineAsync(line).ConfigureAwait(false);
        }

        return ExitCodes.Ok;
    }
}
