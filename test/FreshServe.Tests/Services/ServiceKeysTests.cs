using FreshServe.Keys;
using FreshServe.Tests.Watching;

namespace FreshServe.Tests.Services;

/// <summary>With several services, digits restart one of them and h lists them; r still restarts everything.</summary>
public sealed class ServiceKeysTests
{
    [Fact]
    public void Digits_restart_the_service_of_that_number_and_h_lists_them()
    {
        var restartedAll = 0;
        var restarted = new List<int>();
        var listed = 0;
        var keys = new KeyCommands(new ListLogger(), () => restartedAll++, () => { }, n =>
        {
            restarted.Add(n);
            return true;
        }, () => listed++);

        Assert.True(keys.Handle('2'));
        Assert.True(keys.Handle('9'));
        Assert.True(keys.Handle('0'));
        Assert.True(keys.Handle('h'));
        Assert.True(keys.Handle('r'));

        Assert.Equal([2, 9], restarted);
        Assert.Equal(1, listed);
        Assert.Equal(1, restartedAll);
    }

    [Fact]
    public void The_hint_and_the_help_name_the_digit_keys_of_a_project()
    {
        var log = new ListLogger();
        var keys = new KeyCommands(log, () => { }, () => { }, _ => true, () => { }, services: 3);
        keys.Handle('h');
        Assert.Contains("  r restart every service · 1-3 restart that one · q quit (stops every tree) · c clear the screen · h this help; Ctrl+C also quits", log.Lines);

        var single = new ListLogger();
        new KeyCommands(single, () => { }, () => { }).Handle('h');
        Assert.Contains("  r restart now · q quit (stops the server tree) · c clear the screen · h this help; Ctrl+C also quits", single.Lines);
    }

    [Fact]
    public void With_one_server_digits_do_nothing()
    {
        var restartedAll = 0;
        var keys = new KeyCommands(new ListLogger(), () => restartedAll++, () => { });
        Assert.True(keys.Handle('1'));
        Assert.Equal(0, restartedAll);
    }
}
