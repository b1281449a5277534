using FreshServe.Processes.Windows;

namespace FreshServe.Tests.Windows;

/// <summary>The command line CreateProcess gets must give the child back exactly the arguments freshserve was given.</summary>
public sealed class WindowsCommandLineTests
{
    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("", "\"\"")]
    [InlineData("two words", "\"two words\"")]
    [InlineData("say \"hi\"", "\"say \\\"hi\\\"\"")]
    [InlineData(@"C:\dir\", @"C:\dir\")]
    [InlineData(@"C:\my dir\", "\"C:\\my dir\\\\\"")]
    [InlineData(@"a\\""b", "\"a\\\\\\\\\\\"b\"")]
    public void Quotes_by_the_rules_of_CommandLineToArgvW(string argument, string expected) =>
        Assert.Equal(expected, WindowsCommandLine.Quote(argument));

    [Fact]
    public void An_executable_is_started_directly()
    {
        var (app, line) = WindowsCommandLine.For(@"C:\tools\server.exe", ["--port", "8001"], @"C:\Windows\System32\cmd.exe");
        Assert.Equal(@"C:\tools\server.exe", app);
        Assert.Equal(@"C:\tools\server.exe --port 8001", line);
    }

    [Theory]
    [InlineData(@"C:\app\run.cmd")]
    [InlineData(@"C:\app\RUN.BAT")]
    public void A_batch_file_runs_through_cmd_exe(string batch)
    {
        var (app, line) = WindowsCommandLine.For(batch, ["a b"], @"C:\Windows\System32\cmd.exe");
        Assert.Equal(@"C:\Windows\System32\cmd.exe", app);
        Assert.Equal($"C:\\Windows\\System32\\cmd.exe /d /s /c \"{batch} \"a b\"\"", line);
    }

    [Fact]
    public void The_environment_block_is_sorted_and_double_terminated()
    {
        var block = WindowsCommandLine.EnvironmentBlock(new Dictionary<string, string> { ["b"] = "2", ["A"] = "1" });
        Assert.Equal("A=1\0b=2\0\0", block);
    }
}
