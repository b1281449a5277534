using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace FreshServe.Logging;

public sealed class CompactConsoleFormatterOptions : ConsoleFormatterOptions
{
    public bool UseColor { get; set; }

    /// <summary>Set when several services run: a line about one of them names it after the tag.</summary>
    public FreshServe.Services.ServiceLabels? Services { get; set; }
}

/// <summary>
/// One line per event: <c>12:04:05 freshserve ✓ ready in 182 ms (generation 2)</c>. The message itself starts with
/// the event's symbol; the formatter adds the time, a fixed tag that tells our lines from the server's, and color.
/// </summary>
public sealed class CompactConsoleFormatter : ConsoleFormatter
{
    public const string FormatterName = "freshserve";

    private const string Dim = "\e[2m";
    private const string Reset = "\e[0m";
    private readonly CompactConsoleFormatterOptions _options;

    public CompactConsoleFormatter(IOptions<CompactConsoleFormatterOptions> options)
        : base(FormatterName) => _options = options.Value;

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (string.IsNullOrEmpty(message))
        {
            return;
        }

        var time = DateTime.Now.ToString("HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
        var service = _options.Services is { } labels && FreshServe.Services.ServiceLabels.ServiceOf(logEntry.Category) is { } name ? (labels, name) : default;
        if (!_options.UseColor)
        {
            var tag = service.labels is null ? string.Empty : service.labels.Padded(service.name) + " ";
            textWriter.Write($"{time} freshserve {tag}{message}{Environment.NewLine}");
            return;
        }

        var label = service.labels is null ? string.Empty : $"{service.labels.Color(service.name)}{service.labels.Padded(service.name)}{Reset} ";
        var color = ColorFor(logEntry.LogLevel, logEntry.EventId);
        textWriter.Write($"{Dim}{time} freshserve{Reset} {label}{color}{message}{Reset}{Environment.NewLine}");
    }

    private static string ColorFor(LogLevel level, EventId id) => level switch
    {
        >= LogLevel.Error => "\e[31m",
        LogLevel.Warning => "\e[33m",
        <= LogLevel.Debug => Dim,
        _ when id.Name == nameof(Log.Ready) => "\e[32m",
        _ when id.Name is nameof(Log.Restarting) => "\e[36m",
        _ => string.Empty,
    };
}
