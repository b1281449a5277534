using System.Diagnostics;
using FreshServe.Tests.Infrastructure;
using FreshServe.Watching;

namespace FreshServe.Tests.Watching;

/// <summary>The .gitignore matcher against git itself (git check-ignore) over a table of tricky patterns.</summary>
public sealed class GitIgnoreTests
{
    private static readonly string[] RootPatterns =
    [
        "# a comment",
        "*.log",
        "!keep.log",
        "/anchored.txt",
        "docs/*.md",
        "**/deep/target",
        "a/**/z.txt",
        "build/",
        "logs/**",
        "!logs/important.txt",
        @"\#hash.txt",
        @"\!bang.txt",
        @"trailing-space\ ",
        "ignored-trailing   ",
        "file[0-9].txt",
        "file[!a-c].dat",
        "?.one",
        "cache",
        "!cache/keep.txt",
        "foo/**",
        "!foo/bar",
        "*.tmp/",
        "mid/dle.txt",
        "**/any-depth.txt",
        "star*/x.py",
        "*.gen",
        @"back\\slash.txt",
    ];

    private static readonly string[] Files =
    [
        "app.log", "keep.log", "sub/app.log", "sub/keep.log",
        "anchored.txt", "sub/anchored.txt",
        "docs/a.md", "docs/sub/b.md", "other/docs/a.md",
        "deep/target/x", "a/deep/target/y", "a/b/deep/target/z", "deep/target2/x",
        "a/z.txt", "a/b/z.txt", "a/b/c/z.txt", "b/a/z.txt",
        "build/out.dll", "src/build/out.dll", "build.txt",
        "logs/x.txt", "logs/important.txt", "logs/deep/important.txt",
        "#hash.txt", "!bang.txt", "trailing-space ", "ignored-trailing",
        "file1.txt", "filea.txt", "file10.txt", "filed.dat", "fileb.dat",
        "a.one", "ab.one",
        "cache/keep.txt", "src/cache", "src/cache2",
        "foo/bar", "foo/baz", "foo/sub/bar",
        "x.tmp/inner.txt", "y.tmp",
        "mid/dle.txt", "sub/mid/dle.txt",
        "any-depth.txt", "q/r/any-depth.txt",
        "start/x.py", "star/x.py", "s/tar/x.py",
        "web/page.gen", "web/keep.gen", "web/local.py", "web/sub/local.py", "web/sub/keep.gen",
        "plain.py", "src/plain.py",
    ];

    [Fact]
    public void The_matcher_agrees_with_git_check_ignore_on_every_path_and_folder()
    {
        using var repo = new TempFolder();
        Git(repo.Path, null, "init", "-q");
        File.WriteAllLines(repo.File(".gitignore"), RootPatterns);
        repo.Write("web/.gitignore", "!keep.gen\n/local.py\n");
        repo.Write(".git/info/exclude", "*.secret\n");
        foreach (var file in Files.Append("creds.secret").Append("web/creds.secret"))
        {
            repo.Write(file, "x");
        }

        var candidates = new SortedSet<(string Path, bool IsDirectory)>();
        foreach (var file in Files.Append("creds.secret").Append("web/creds.secret"))
        {
            candidates.Add((file, false));
            for (var dir = Path.GetDirectoryName(file); !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
            {
                candidates.Add((dir.Replace('\\', '/'), true));
            }
        }

        var input = string.Join('\n', candidates.Select(c => c.Path)) + "\n";
        var gitSays = Git(repo.Path, input, "check-ignore", "--no-index", "--stdin")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .ToHashSet(StringComparer.Ordinal);
        Assert.NotEmpty(gitSays);

        var matcher = new GitIgnore(repo.Path);
        var disagreements = candidates
            .Where(c => matcher.IsIgnored(Path.Combine(repo.Path, c.Path), c.IsDirectory) != gitSays.Contains(c.Path))
            .Select(c => $"{c.Path}{(c.IsDirectory ? "/" : string.Empty)}: git says {(gitSays.Contains(c.Path) ? "ignored" : "kept")}")
            .ToList();
        Assert.True(disagreements.Count == 0, "disagrees with git check-ignore on:\n" + string.Join('\n', disagreements));
    }

    [Fact]
    public void The_repository_root_is_found_above_a_watched_subfolder()
    {
        using var repo = new TempFolder();
        Git(repo.Path, null, "init", "-q");
        repo.Write(".gitignore", "generated/\n");
        var sub = Path.GetDirectoryName(repo.Write("src/generated/out.py", "x"))!;

        var matcher = GitIgnore.ForFolder(Path.Combine(repo.Path, "src"));
        Assert.Equal(Path.GetFullPath(repo.Path), matcher.RepoRoot);
        Assert.True(matcher.IsIgnored(Path.Combine(sub, "out.py"), isDirectory: false));
        Assert.False(matcher.IsIgnored(Path.Combine(repo.Path, "src", "app.py"), isDirectory: false));
    }

    private static string Git(string folder, string? input, params string[] args)
    {
        var info = new ProcessStartInfo("git")
        {
            WorkingDirectory = folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var git = Process.Start(info)!;
        git.StandardInput.Write(input ?? string.Empty);
        git.StandardInput.Close();
        var output = git.StandardOutput.ReadToEnd();
        git.StandardError.ReadToEnd();
        Assert.True(git.WaitForExit(30_000), "git did not finish");
        Assert.True(git.ExitCode is 0 or 1, $"git {string.Join(' ', args)} failed with {git.ExitCode}");
        return output;
    }
}
