using CsCheck;

namespace PerfCluster.Fuzzing;

/// <summary>
/// Mutation fuzzing on CsCheck: inputs are seeds (shipped files and <c>tests/fuzz-corpus/&lt;parser&gt;</c>) with up to
/// eight edits each (ranges deleted, duplicated or cut off, characters replaced, and tokens of the format inserted), so
/// most inputs are almost valid and reach deep into the parser. CsCheck shrinks a failing input to a small one; saved
/// under <c>tests/fuzz-corpus/&lt;parser&gt;/regressions</c>, it runs on every test run from then on.
/// Time per parser: <c>PERFCLUSTER_FUZZ_SECONDS</c> (default 10); <c>scripts/fuzz.sh</c> runs longer passes.
/// </summary>
public static class Fuzz
{
    public const string SecondsVariable = "PERFCLUSTER_FUZZ_SECONDS";

    /// <summary>The longest one input may take before the pass fails as a hang.</summary>
    public static readonly TimeSpan HangAfter = TimeSpan.FromSeconds(10);

    public static int Seconds =>
        int.TryParse(Environment.GetEnvironmentVariable(SecondsVariable), out var s) && s > 0 ? s : 10;

    /// <summary>The repository's tests/fuzz-corpus/<paramref name="parser"/> folder.</summary>
    public static string Corpus(string parser)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !Directory.Exists(Path.Combine(dir.FullName, "tests", "fuzz-corpus"))) dir = dir.Parent;
        return Path.Combine(dir?.FullName ?? throw new DirectoryNotFoundException("tests/fuzz-corpus not found above " + AppContext.BaseDirectory),
            "tests", "fuzz-corpus", parser);
    }

    /// <summary>The repository root (the folder holding tests/fuzz-corpus).</summary>
    public static string Root => Path.GetFullPath(Path.Combine(Corpus("."), "..", ".."));

    /// <summary>Every file of the parser's corpus, regressions included.</summary>
    public static IReadOnlyList<(string Name, string Text)> Files(string parser) =>
        Directory.EnumerateFiles(Corpus(parser), "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => (Path.GetRelativePath(Corpus(parser), f), File.ReadAllText(f))).ToList();

    private enum Edit { Delete, Duplicate, Truncate, Replace, InsertToken, InsertChar, Swap }

    /// <summary>Seeds with up to eight edits each; <paramref name="tokens"/> are pieces of the format worth inserting.</summary>
    public static Gen<string> Mutants(IReadOnlyList<string> seeds, IReadOnlyList<string> tokens)
    {
        var edit = Gen.Select(Gen.Int[0, 6], Gen.Int[0, int.MaxValue], Gen.Int[0, 64], Gen.Int[0, tokens.Count - 1], Gen.Char);
        return Gen.Select(Gen.Int[0, seeds.Count - 1], edit.Array[0, 8])
            .Select(p => p.Item2.Aggregate(seeds[p.Item1], (text, e) => Apply(text, (Edit)e.Item1, e.Item2, e.Item3, tokens[e.Item4], e.Item5)));
    }

    private static string Apply(string text, Edit edit, int at, int length, string token, char c)
    {
        var pos = text.Length == 0 ? 0 : at % (text.Length + 1);
        var len = Math.Min(length, text.Length - pos);
        return edit switch
        {
            Edit.Delete => text.Remove(pos, len),
            Edit.Duplicate => text.Insert(pos, text.Substring(pos, len)),
            Edit.Truncate => text[..pos],
            Edit.Replace when pos < text.Length => string.Concat(text.AsSpan(0, pos), c.ToString(), text.AsSpan(pos + 1)),
            Edit.InsertToken => text.Insert(pos, token),
            Edit.Swap when len > 0 && pos + 2 * len <= text.Length =>
                string.Concat(text.AsSpan(0, pos), text.AsSpan(pos + len, len), text.AsSpan(pos, len), text.AsSpan(pos + 2 * len)),
            _ => text.Insert(pos, c.ToString()),
        };
    }

    /// <summary>
    /// Runs <paramref name="check"/> on <paramref name="gen"/>'s inputs for <see cref="Seconds"/>; a hang is a failure too.
    /// Returns how many inputs were tried.
    /// </summary>
    public static long Run(Gen<string> gen, Action<string> check, Action<string> log, string parser)
    {
        long tried = 0;
        gen.Sample(input =>
        {
            Interlocked.Increment(ref tried);
            var work = Task.Run(() => check(input));
            if (!work.Wait(HangAfter)) throw new TimeoutException($"the {parser} parser took over {HangAfter.TotalSeconds} s");
            work.GetAwaiter().GetResult();
        }, writeLine: log, time: Seconds, threads: 1, print: Escape);
        log($"fuzz {parser}: {tried} inputs in {Seconds} s, 0 failures");
        return tried;
    }

    /// <summary>An input as a C# string literal (its first 4,000 characters; the seed CsCheck prints reproduces it whole).</summary>
    public static string Escape(string s) => Literal(s.Length <= 4000 ? s : s[..4000]) + (s.Length > 4000 ? $" ... ({s.Length} characters)" : "");

    private static string Literal(string s) =>
        "\"" + string.Concat(s.Select(c => c switch
        {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            < ' ' or > '~' => $"\\u{(int)c:x4}",
            _ => c.ToString(),
        })) + "\"";
}
