using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace FreshServe.Logging;

public static class LoggingSetup
{
    /// <summary>
    /// All of freshserve's own lines go to stderr, so the server keeps stdout to itself. Color only on a terminal and
    /// only when NO_COLOR is unset (https://no-color.org).
    /// </summary>
    /// <param name="services">Several services: each one's lines name it (see <see cref="Services.ServiceLabels"/>).</param>
    public static ILoggerFactory Create(LogLevel minimum, Services.ServiceLabels? services = null)
    {
        var color = Services.ServiceLabels.UseColor(Console.IsErrorRedirected);

        return LoggerFactory.Create(builder => builder
            .SetMinimumLevel(minimum)
            .AddConsole(options =>
            {
                options.FormatterName = CompactConsoleFormatter.FormatterName;
                options.LogToStandardErrorThreshold = LogLevel.Trace;
            })
            // Registered by hand: AddConsoleFormatter<T, TOptions> also binds TOptions to configuration, which needs
            // reflection the native build does not have (RequiresDynamicCode); freshserve has no logging configuration.
            .Services.AddSingleton<ConsoleFormatter>(
                new CompactConsoleFormatter(Options.Create(new CompactConsoleFormatterOptions { UseColor = color, Services = services }))));
    }
}
