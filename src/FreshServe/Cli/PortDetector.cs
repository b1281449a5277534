using System.Globalization;

namespace FreshServe.Cli;

/// <summary>Finds the port a dev server will listen on from its own command line or environment.</summary>
public static class PortDetector
{
    public sealed record Detection(int Port, string Source)
    {
        /// <summary>A default the server leaves for the next free port when it is taken (vite, next dev).</summary>
        public bool MayMove { get; init; }
    }

    /// <param name="command">The program, when known: <c>go</c>'s own -p is build parallelism, and
    /// <c>python -m http.server 8001</c> takes the port as a plain argument.</param>
    /// <param name="shortP">False when the program's -p means something else (go's build parallelism).</param>
    /// <param name="origin">Where the arguments were written, for the source: "the command", "the 'dev' script in package.json".</param>
    public static Detection? Detect(IReadOnlyList<string> commandArgs, IReadOnlyDictionary<string, string> env, string? command = null, bool shortP = true,
        string origin = "the command")
    {
        var program = command is null ? string.Empty : Path.GetFileNameWithoutExtension(command).ToLowerInvariant();
        shortP &= program != "go";
        if (program.StartsWith("python", StringComparison.Ordinal) && HttpServerPort(commandArgs, origin) is { } httpServer)
        {
            return httpServer;
        }

        if (program.StartsWith("php", StringComparison.Ordinal) && PhpServerPort(commandArgs, origin) is { } phpServer)
        {
            return phpServer;
        }

        for (var i = 0; i < commandArgs.Count; i++)
        {
            var arg = commandArgs[i];
            var next = i + 1 < commandArgs.Count ? commandArgs[i + 1] : null;

            // -port is how Go's flag package (and others) spell it.
            if ((arg is "--port" or "-port" || (shortP && arg == "-p")) && TryPort(next, out var port))
            {
                return new(port, $"'{arg} {next}' in {origin}");
            }

            if ((arg.StartsWith("--port=", StringComparison.Ordinal) || arg.StartsWith("-port=", StringComparison.Ordinal))
                && TryPort(arg[(arg.IndexOf('=') + 1)..], out port))
            {
                return new(port, $"'{arg}' in {origin}");
            }

            // -p8001: the value attached to the short option, as flask (click), rails and most option parsers accept.
            if (shortP && arg.StartsWith("-p", StringComparison.Ordinal) && TryPort(arg[2..], out port))
            {
                return new(port, $"'{arg}' in {origin}");
            }

            if (arg is "--urls" && next is not null && TryUrlPort(next, out port))
            {
                return new(port, $"'--urls {next}' in {origin}");
            }

            if (arg.StartsWith("--urls=", StringComparison.Ordinal) && TryUrlPort(arg["--urls=".Length..], out port))
            {
                return new(port, $"'{arg}' in {origin}");
            }
        }

        if (env.TryGetValue("PORT", out var fromEnv) && TryPort(fromEnv, out var envPort))
        {
            return new(envPort, $"PORT={fromEnv} in --env");
        }

        return null;
    }

    /// <summary><c>php -S host:port</c>, the built-in web server (<c>-S localhost:8000</c>, <c>-S [::1]:8000</c>).</summary>
    private static Detection? PhpServerPort(IReadOnlyList<string> args, string origin)
    {
        for (var i = 0; i + 1 < args.Count; i++)
        {
            var address = args[i + 1];
            if (args[i] == "-S" && address.LastIndexOf(':') is var colon and >= 0 && TryPort(address[(colon + 1)..], out var port))
            {
                return new(port, $"'-S {address}' in {origin}");
            }
        }

        return null;
    }

    /// <summary><c>python -m http.server [-b ADDR] [-d DIR] [port]</c>.</summary>
    private static Detection? HttpServerPort(IReadOnlyList<string> args, string origin)
    {
        if (args.Count < 2 || args[0] != "-m" || args[1] != "http.server")
        {
            return null;
        }

        for (var i = 2; i < args.Count; i++)
        {
            if (args[i] is "-b" or "--bind" or "-d" or "--directory" or "-p" or "--protocol")
            {
                i++;
            }
            else if (!args[i].StartsWith('-'))
            {
                return TryPort(args[i], out var port) ? new(port, $"'http.server {args[i]}' in {origin}") : null;
            }
        }

        return new(8000, "http.server's default");
    }

    private static bool TryPort(string? text, out int port) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is > 0 and <= 65535;

    private static bool TryUrlPort(string urls, out int port)
    {
        port = 0;
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // Kestrel accepts wildcard hosts (http://*:5000, http://+:5000) that Uri rejects.
            var normalized = url.Replace("://*", "://localhost", StringComparison.Ordinal)
                                .Replace("://+", "://localhost", StringComparison.Ordinal);
            if (Uri.TryCreate(normalized, UriKind.Absolute, out var uri) && !uri.IsDefaultPort && uri.Port > 0)
            {
                port = uri.Port;
                return true;
            }
        }

        return false;
    }
}
