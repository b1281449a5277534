using FreshServe.Logging;
using Microsoft.Extensions.Logging;

namespace FreshServe.Keys;

/// <summary>
/// Single keys typed in the terminal freshserve runs in: r restarts, q quits, c clears the screen, h prints help.
/// Only used when stdin is a terminal and --no-input is not given; the worker then gets /dev/null as its stdin, so
/// it never competes for (or is stopped by) the terminal.
/// </summary>
public sealed class KeyCommands
{
    private readonly ILogger _log;
    private readonly Action _restart;
    private readonly Action _quit;
    private readonly Func<int, bool>? _restartService;
    private readonly Action? _listServices;

    private readonly int _services;

    /// <summary>Several services: the hint and the help name the digit keys.</summary>
    private bool IsProject => _restartService is not null && _services > 0;

    /// <param name="restartService">Several services: keys 1-9 restart the service of that number (false: none has it).</param>
    /// <param name="listServices">Several services: key h also lists them with their numbers.</param>
    /// <param name="services">Several services: how many (keys go up to 9).</param>
    public KeyCommands(ILogger log, Action restart, Action quit, Func<int, bool>? restartService = null, Action? listServices = null, int services = 0)
    {
        _log = log;
        _restart = restart;
        _quit = quit;
        _restartService = restartService;
        _listServices = listServices;
        _services = Math.Min(services, 9);
    }

    /// <summary>
    /// True when keys can be read: stdin is a terminal and freshserve runs in its foreground (started with a trailing
    /// &amp;, reading the terminal would stop freshserve with SIGTTIN).
    /// </summary>
    public static bool StdinIsForegroundTerminal()
    {
        if (Console.IsInputRedirected)
        {
            return false;
        }

        return OperatingSystem.IsWindows() || Interop.Libc.tcgetpgrp(0) == Interop.Libc.getpgrp();
    }

    /// <summary>Prints the hint and starts reading keys on a background thread (ReadKey blocks).</summary>
    public void Start()
    {
        if (IsProject)
        {
            _log.ProjectKeysHint(_services);
        }
        else
        {
            _log.KeysHint();
        }

        var reader = new Thread(ReadLoop) { IsBackground = true, Name = "freshserve keys" };
        reader.Start();
    }

    private void ReadLoop()
    {
        while (true)
        {
            ConsoleKeyInfo key;
            try
            {
                key = Console.ReadKey(intercept: true);
            }
            catch (InvalidOperationException)
            {
                return;
            }
            catch (IOException)
            {
                return;
            }

            if (!Handle(key.KeyChar))
            {
                return;
            }
        }
    }

    /// <summary>Acts on one key; returns false once reading should stop (after q).</summary>
    public bool Handle(char key)
    {
        switch (char.ToLowerInvariant(key))
        {
            case 'r':
                _restart();
                return true;
            case 'q':
                _quit();
                return false;
            case 'c':
                // Clear screen and scrollback, cursor home: what `clear` does on xterm-compatible terminals.
                Console.Error.Write("\e[H\e[2J\e[3J");
                Console.Error.Flush();
                return true;
            case 'h' or '?':
                if (IsProject)
                {
                    _log.ProjectKeysHelp(_services);
                }
                else
                {
                    _log.KeysHelp();
                }

                _listServices?.Invoke();
                return true;
            case >= '1' and <= '9' when _restartService is not null:
                _restartService(key - '0');
                return true;
            default:
                return true;
        }
    }
}
