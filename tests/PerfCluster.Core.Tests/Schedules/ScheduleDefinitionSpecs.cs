using PerfCluster.Core.Schedules;

namespace PerfCluster.Core.Tests.Schedules;

public class ScheduleDefinitionSpecs
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-11-26T12:00:00Z");

    private static ScheduleDefinition Create(string cron = "0 2 * * *", string? zone = null, string name = "nightly", string? baseline = null) =>
        ScheduleDefinition.Create(name, cron, zone, "nightly.conf", "name = x", baseline, strict: false, T0);

    [Theory]
    [InlineData("0 2 * * *")]
    [InlineData("*/15 8-18 * * MON-FRI")]
    [InlineData("  30   4 1,15 * *  ")]
    [InlineData("0 0 L * *")]
    public void Should_accept_standard_five_field_expressions(string cron)
    {
        var schedule = Create(cron);

        Assert.Equal(ScheduleDefinition.NormalizeCron(cron), schedule.Cron);
        Assert.True(schedule.Enabled);
        Assert.Equal("UTC", schedule.TimeZone);
    }

    [Theory]
    [InlineData("0 2 * *", "has 4 field(s); expected 5")]
    [InlineData("0 0 2 * * *", "has 6 field(s); expected 5")]
    [InlineData("@daily", "has 1 field(s); expected 5")]
    [InlineData("", "is empty")]
    [InlineData("0 25 * * *", "is not valid")]
    [InlineData("61 * * * *", "is not valid")]
    [InlineData("0 2 * * FUNDAY", "is not valid")]
    public void Should_refuse_a_bad_cron_expression_with_a_clear_message(string cron, string expected)
    {
        var e = Assert.Throws<ScheduleException>(() => Create(cron));

        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Should_keep_the_IANA_zone_and_refuse_an_unknown_one()
    {
        Assert.Equal("Europe/Berlin", Create(zone: "Europe/Berlin").TimeZone);
        Assert.Equal("America/New_York", Create(zone: " America/New_York ").TimeZone);

        var e = Assert.Throws<ScheduleException>(() => Create(zone: "Europe/Atlantis"));
        Assert.Equal("unknown time zone 'Europe/Atlantis': use an IANA id such as UTC, Europe/Berlin or America/New_York", e.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("bad\nname")]
    public void Should_refuse_a_bad_name(string name)
    {
        var e = Assert.Throws<ScheduleException>(() => Create(name: name));

        Assert.StartsWith("schedule name must be 1 to 100 printable characters", e.Message);
    }

    [Fact]
    public void Should_be_active_from_creation_or_from_being_enabled_again()
    {
        var schedule = Create();

        Assert.Equal(T0, schedule.ActiveSince);
        Assert.Equal(T0.AddDays(3), (schedule with { EnabledAt = T0.AddDays(3) }).ActiveSince);
        Assert.Equal(T0, (schedule with { EnabledAt = T0.AddDays(-1) }).ActiveSince);
    }
}
