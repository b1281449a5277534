using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace FreshServe.Logging;

public static class LoggingSetup
{
    /// <summary>
    /// All of freshserve's own lines go to stderr, so the server keeps stdout to itself. Color only on a terminal and
    /// only when NO_COLOR is unset (https://no-color.org).
    /// </summary>
    public static ILoggerFactory Create(LogLevel minimum)
    {
        var color = !Console.IsErrorRedirected
            && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"))
            && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("FRESHSERVE_NO_COLOR"))
            && Environment.GetEnvironmentVariable("TERM") != "dumb";

        return LoggerFactory.Create(builder => builder
            .SetMinimumLevel(minimum)
            .AddConsole(options =>
            {
                options.FormatterName = CompactConsoleFormatter.FormatterName;
                options.LogToStandardErrorThreshold = LogLevel.Trace;
            })
            .AddConsoleFormatter<CompactConsoleFormatter, CompactConsoleFormatterOptions>(options => options.UseColor = color));
    }
}
