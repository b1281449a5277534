using FreshServe.Common;
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
            using var app = RootCommand.Create();
            app.ValidationErrorHandler = result => throw new UsageException(result.ErrorMessage ?? "invalid arguments");
            foreach (var command in app.Commands)
            {
                command.ValidationErrorHandler = app.ValidationErrorHandler;
            }

            // `freshserve help watch`, as git and dotnet have it: the same as `freshserve watch --help`.
            var arguments = args is ["help", .. var topic] ? [.. topic, "--help"] : args;
            return await Task.Run(() => app.Execute(arguments)).ConfigureAwait(false);
        }
        catch (Exception e) when (Unwrap(e) is { } failure)
        {
            var (message, code) = failure switch
            {
                CommandParsingException parsing => (Describe(parsing, args), ExitCodes.Usage),
                UsageException usage => (usage.Message, ExitCodes.Usage),
                CommandStartException start => (start.Message, ExitCodes.CommandNotFound),
                FreshServeException runtime => (runtime.Message, ExitCodes.Failure),
                _ => (failure.Message, ExitCodes.Failure),
            };
            await stderr.WriteLineAsync($"freshserve: {message}").ConfigureAwait(false);
            return code;
        }
    }

    /// <summary>-h|--help, handled by each command itself: CommandLineUtils' own help option pipes help into a pager on a terminal.</summary>
    internal static CommandOption HelpOption(CommandLineApplication app) =>
        app.Option("-h|--help", "Show help.", CommandOptionType.NoValue);

    private static Exception? Unwrap(Exception e)
    {
        while (e is AggregateException or System.Reflection.TargetInvocationException && e.InnerException is not null)
        {
            e = e.InnerException!;
        }

        return e is CommandParsingException or UsageException or CommandStartException or FreshServeException ? e : null;
    }

    private static string Describe(CommandParsingException e, string[] args)
    {
        var command = e.Command;
        var path = command.Parent is null ? command.Name : $"{command.Parent.Name} {command.Name}";
        var typed = ExtractQuoted(e.Message);
        if (e.Message.StartsWith("Missing value", StringComparison.Ordinal))
        {
            // The parser names the option without its dashes ('config'): name it as typed, and suggest nothing.
            var option = command.GetOptions().FirstOrDefault(o => o.LongName == typed || o.ShortName == typed);
            return $"Missing value for option '{(option?.LongName is { } name ? "--" + name : "-" + typed)}'. See '{path} --help'.";
        }

        if (command.Name == "watch" && typed is not null && !typed.StartsWith('-') && e.Message.StartsWith("Unrecognized command or argument", StringComparison.Ordinal))
        {
            return DescribeStrayArgument(command, path, typed, args);
        }

        var candidates = command.GetOptions()
            .SelectMany(o => new[] { o.LongName is null ? null : "--" + o.LongName, o.ShortName is null ? null : "-" + o.ShortName })
            .Concat(command.Commands.Select(c => c.Name))
            .OfType<string>();
        var suggestion = typed is null ? null : Suggestions.Closest(typed, candidates);

        // A server command written without -- (freshserve watch uvicorn app:app --reload): its first word was taken for
        // a service name, and its options reach ours.
        if (suggestion is null && command.Name == "watch" && e.Message.StartsWith("Unrecognized option", StringComparison.Ordinal)
            && command.Arguments.Any(a => a.Values.Count > 0)
            && DescribeStrayArgument(command, path, typed ?? string.Empty, args) is var stray && stray.Contains(" like: ", StringComparison.Ordinal))
        {
            return $"{e.Message.TrimEnd('.')}. If it belongs to the server command, that goes after --, like:{stray[(stray.IndexOf(" like:", StringComparison.Ordinal) + 6)..]}";
        }

        var hint = suggestion is null ? string.Empty : $" Did you mean '{suggestion}'?";
        var usageHint = command.Parent is null && command.Commands.Count > 0 && typed is not null && !typed.StartsWith('-')
            ? $" Commands: {string.Join(", ", command.Commands.Select(c => c.Name))}."
            : string.Empty;
        return $"{e.Message.TrimEnd('.')}.{hint}{usageHint} See '{path} --help'.";
    }

    /// <summary>A word the watch options do not take: a server command written without --, or an option whose value was the --.</summary>
    private static string DescribeStrayArgument(CommandLineApplication command, string path, string typed, string[] args)
    {
        bool TakesValue(string arg) => command.GetOptions().Any(o =>
            o.OptionType is CommandOptionType.SingleValue or CommandOptionType.MultipleValue
            && ("--" + o.LongName == arg || "-" + o.ShortName == arg));

        var separator = Array.IndexOf(args, "--");
        if (separator > 0 && TakesValue(args[separator - 1]))
        {
            return $"Missing value for option '{args[separator - 1]}' before --. See '{path} --help'.";
        }

        // The stray word is the first one that is neither an option nor an option's value.
        var first = Array.FindIndex(args, a => a.Equals(command.Name, StringComparison.OrdinalIgnoreCase)) + 1;
        for (var i = first; i < args.Length; i++)
        {
            if (!args[i].StartsWith('-'))
            {
                var write = args[..i].Append("--").Concat(args[i..]).Select(ProcessSpec.Quote);
                return $"Unrecognized argument '{args[i]}': the server command goes after --, like: freshserve {string.Join(' ', write)}";
            }

            if (TakesValue(args[i]))
            {
                i++;
            }
        }

        return $"Unrecognized command or argument '{typed}'. See '{path} --help'.";
    }

    private static string? ExtractQuoted(string message)
    {
        var start = message.IndexOf('\'', StringComparison.Ordinal);
        var end = start < 0 ? -1 : message.IndexOf('\'', start + 1);
        return end > start ? message[(start + 1)..end].Split('=')[0] : null;
    }
}
