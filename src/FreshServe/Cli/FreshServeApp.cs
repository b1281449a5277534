using FreshServe.Processes;
using McMaster.Extensions.CommandLineUtils;

namespace FreshServe.Cli;

/// <summary>The command line: parses, runs, and turns every expected failure into one line and an exit code.</summary>
public static class FreshServeApp
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        try
        {
            var app = new CommandLineApplication<RootCommand>();
            // The default conventions minus UseDefaultHelpOption: its handler pipes help into a pager on a terminal.
            app.Conventions
                .UseAttributes()
                .SetAppNameFromEntryAssembly()
                .SetRemainingArgsPropertyOnModel()
                .SetSubcommandPropertyOnModel()
                .SetParentPropertyOnModel()
                .UseOnExecuteMethodFromModel()
                .UseOnValidateMethodFromModel()
                .UseOnValidationErrorMethodFromModel()
                .UseConstructorInjection()
                .UseCommandNameFromModelType();
            app.ValidationErrorHandler = result => throw new UsageException(result.ErrorMessage ?? "invalid arguments");
            foreach (var command in app.Commands)
            {
                command.ValidationErrorHandler = app.ValidationErrorHandler;
            }

            return await Task.Run(() => app.Execute(args)).ConfigureAwait(false);
        }
        catch (Exception e) when (Unwrap(e) is { } failure)
        {
            var (message, code) = failure switch
            {
                CommandParsingException parsing => (Describe(parsing), ExitCodes.Usage),
                UsageException usage => (usage.Message, ExitCodes.Usage),
                CommandStartException start => (start.Message, ExitCodes.CommandNotFound),
                FreshServeException runtime => (runtime.Message, ExitCodes.Failure),
                _ => (failure.Message, ExitCodes.Failure),
            };
            await stderr.WriteLineAsync($"freshserve: {message}").ConfigureAwait(false);
            return code;
        }
    }

    private static Exception? Unwrap(Exception e)
    {
        while (e is AggregateException or System.Reflection.TargetInvocationException && e.InnerException is not null)
        {
            e = e.InnerException!;
        }

        return e is CommandParsingException or UsageException or CommandStartException or FreshServeException ? e : null;
    }

    private static string Describe(CommandParsingException e)
    {
        var command = e.Command;
        var path = command.Parent is null ? command.Name : $"{command.Parent.Name} {command.Name}";
        var typed = ExtractQuoted(e.Message);
        var candidates = command.GetOptions()
            .SelectMany(o => new[] { o.LongName is null ? null : "--" + o.LongName, o.ShortName is null ? null : "-" + o.ShortName })
            .Concat(command.Commands.Select(c => c.Name))
            .OfType<string>();
        var suggestion = typed is null ? null : Suggestions.Closest(typed, candidates);
        var hint = suggestion is null ? string.Empty : $" Did you mean '{suggestion}'?";
        var usageHint = command.Parent is null && command.Commands.Count > 0 && typed is not null && !typed.StartsWith('-')
            ? $" Commands: {string.Join(", ", command.Commands.Select(c => c.Name))}."
            : string.Empty;
        return $"{e.Message.TrimEnd('.')}.{hint}{usageHint} See '{path} --help'.";
    }

    private static string? ExtractQuoted(string message)
    {
        var start = message.IndexOf('\'', StringComparison.Ordinal);
        var end = start < 0 ? -1 : message.IndexOf('\'', start + 1);
        return end > start ? message[(start + 1)..end].Split('=')[0] : null;
    }
}
