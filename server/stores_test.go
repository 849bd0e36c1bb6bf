package server_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// The API's test suite runs on both stores: every TestX of this package
// runs as written on a SQLite file, and again here, as TestOnPostgres/TestX,
// on a PostgreSQL schema of its own (openTestStore picks the store from the
// test's name). The assertions are the same; only the database differs.
// The few that can run on one store only are in sqliteOnly or
// postgresOnly, each with the reason.
var onPostgresTests = []struct {
	name string
	fn   func(*testing.T)
}{
	{"TestArchivedProjectRestoreAndRefusal", TestArchivedProjectRestoreAndRefusal},
	{"TestTaskActivity", TestTaskActivity},
	{"TestSearch", TestSearch},
	{"TestTaskActivityDeleteRestore", TestTaskActivityDeleteRestore},
	{"TestTaskActivityRespaceAndLabelDelete", TestTaskActivityRespaceAndLabelDelete},
	{"TestArchivedProjectSeedIgnoresRestore", TestArchivedProjectSeedIgnoresRestore},
	{"TestAssignees", TestAssignees},
	{"TestBadRequests", TestBadRequests},
	{"TestBatchAtomic", TestBatchAtomic},
	{"TestBatchIdempotentReplay", TestBatchIdempotentReplay},
	{"TestBatchLimits", TestBatchLimits},
	{"TestBatchMixedOperations", TestBatchMixedOperations},
	{"TestBatchRateLimit", TestBatchRateLimit},
	{"TestBatchRoles", TestBatchRoles},
	{"TestBodyTooLarge", TestBodyTooLarge},
	{"TestColumnChangesReachTheTaskList", TestColumnChangesReachTheTaskList},
	{"TestColumnCreate", TestColumnCreate},
	{"TestColumnDelete", TestColumnDelete},
	{"TestColumnEvents", TestColumnEvents},
	{"TestColumnIdempotency", TestColumnIdempotency},
	{"TestColumnUpdate", TestColumnUpdate},
	{"TestColumnValidation", TestColumnValidation},
	{"TestComments", TestComments},
	{"TestConcurrentCreatesInOneColumn", TestConcurrentCreatesInOneColumn},
	{"TestControlCharactersRefusedOverMCP", TestControlCharactersRefusedOverMCP},
	{"TestControlCharactersRefusedOverREST", TestControlCharactersRefusedOverREST},
	{"TestDeleteLabelUnlabelsTasks", TestDeleteLabelUnlabelsTasks},
	{"TestDeltaThenFeedMissNothing", TestDeltaThenFeedMissNothing},
	{"TestDeleteTaskByCreator", TestDeleteTaskByCreator},
	{"TestDescriptionsAndCommentsKeepNewlinesAndTabs", TestDescriptionsAndCommentsKeepNewlinesAndTabs},
	{"TestEventsErrors", TestEventsErrors},
	{"TestEventsFollowChanges", TestEventsFollowChanges},
	{"TestEventsResume", TestEventsResume},
	{"TestManyFeedsEachHearTheirSpace", TestManyFeedsEachHearTheirSpace},
	{"TestIdempotency", TestIdempotency},
	{"TestIdempotencyKeyMustBePrintableASCII", TestIdempotencyKeyMustBePrintableASCII},
	{"TestLabelEvents", TestLabelEvents},
	{"TestLabelIdempotency", TestLabelIdempotency},
	{"TestLabelLimit", TestLabelLimit},
	{"TestLabelValidation", TestLabelValidation},
	{"TestLabels", TestLabels},
	{"TestListAnswersMatchTheStore", TestListAnswersMatchTheStore},
	{"TestListBuiltAndCompressedOncePerVersion", TestListBuiltAndCompressedOncePerVersion},
	{"TestListCacheKeepsToItsBudget", TestListCacheKeepsToItsBudget},
	{"TestListDeltaRefusals", TestListDeltaRefusals},
	{"TestListReadersDuringWrites", TestListReadersDuringWrites},
	{"TestListShowsChangesFromOutsideTheServer", TestListShowsChangesFromOutsideTheServer},
	{"TestListShowsEveryChangeAtOnce", TestListShowsEveryChangeAtOnce},
	{"TestMCPColumnsAndLabels", TestMCPColumnsAndLabels},
	{"TestMCPErrorsAndRoles", TestMCPErrorsAndRoles},
	{"TestMCPEveryTool", TestMCPEveryTool},
	{"TestMCPListsToolsAndPrompts", TestMCPListsToolsAndPrompts},
	{"TestMCPNeedsAToken", TestMCPNeedsAToken},
	{"TestMCPOnASeedServer", TestMCPOnASeedServer},
	{"TestMCPPromptErrorsAreInvalidParams", TestMCPPromptErrorsAreInvalidParams},
	{"TestMCPPrompts", TestMCPPrompts},
	{"TestMCPSessionIsNotSharedAcrossTokens", TestMCPSessionIsNotSharedAcrossTokens},
	{"TestMCPTextShowsNoControlCharactersFromOldData", TestMCPTextShowsNoControlCharactersFromOldData},
	{"TestMCPUpdateTaskNullClears", TestMCPUpdateTaskNullClears},
	{"TestMe", TestMe},
	{"TestMembers", TestMembers},
	{"TestOpenAPICoversEveryRoute", TestOpenAPICoversEveryRoute},
	{"TestOpenAPIResponsesMatchTheDocument", TestOpenAPIResponsesMatchTheDocument},
	{"TestPatchedListIsTheFullList", TestPatchedListIsTheFullList},
	{"TestPositionsStayShort", TestPositionsStayShort},
	{"TestProjects", TestProjects},
	{"TestRateLimitBadTokensPerAddress", TestRateLimitBadTokensPerAddress},
	{"TestRateLimitHeadersAndPerToken", TestRateLimitHeadersAndPerToken},
	{"TestRateLimitIsPerMinuteInAnyMinute", TestRateLimitIsPerMinuteInAnyMinute},
	{"TestRateLimitOff", TestRateLimitOff},
	{"TestRateLimitOffSendsNoHeaders", TestRateLimitOffSendsNoHeaders},
	{"TestReadsByRole", TestReadsByRole},
	{"TestReopenIntoColumnCompletedFrom", TestReopenIntoColumnCompletedFrom},
	{"TestRequestID", TestRequestID},
	{"TestResponsesAreJSON", TestResponsesAreJSON},
	{"TestRestoreAfterThirtyDays", TestRestoreAfterThirtyDays},
	{"TestRestoreDeletedTask", TestRestoreDeletedTask},
	{"TestRestoreKeepsLabels", TestRestoreKeepsLabels},
	{"TestRestoreNotOnASeedServer", TestRestoreNotOnASeedServer},
	{"TestRestoreRoles", TestRestoreRoles},
	{"TestRestoreWhatStillMakesSense", TestRestoreWhatStillMakesSense},
	{"TestRevokeEndsAQuietFeed", TestRevokeEndsAQuietFeed},
	{"TestRevokeEndsMCPSessions", TestRevokeEndsMCPSessions},
	{"TestRevokeEndsTheFeed", TestRevokeEndsTheFeed},
	{"TestRoleMatrix", TestRoleMatrix},
	{"TestSameKeyTwiceKeepsKeysApart", TestSameKeyTwiceKeepsKeysApart},
	{"TestSeedExamples", TestSeedExamples},
	{"TestSeedMode", TestSeedMode},
	{"TestServeEndsFeedsOnShutdown", TestServeEndsFeedsOnShutdown},
	{"TestServeStopsWithASpareConnectionOpen", TestServeStopsWithASpareConnectionOpen},
	{"TestServerPrunesTheTrash", TestServerPrunesTheTrash},
	{"TestSpaces", TestSpaces},
	{"TestStatuses", TestStatuses},
	{"TestTaskArchive", TestTaskArchive},
	{"TestTaskCompletion", TestTaskCompletion},
	{"TestTaskCreate", TestTaskCreate},
	{"TestTaskDeleteRemovesSubtasks", TestTaskDeleteRemovesSubtasks},
	{"TestTaskLabels", TestTaskLabels},
	{"TestTaskPatch", TestTaskPatch},
	{"TestTaskPositions", TestTaskPositions},
	{"TestTokenLabelRefusesControlCharacters", TestTokenLabelRefusesControlCharacters},
	{"TestUnauthorized", TestUnauthorized},
	{"TestUnknownRoutesAndMethods", TestUnknownRoutesAndMethods},
	{"TestWebhookBusySpaceHoldsUpNoOther", TestWebhookBusySpaceHoldsUpNoOther},
	{"TestWebhookColumnChangesAreEvents", TestWebhookColumnChangesAreEvents},
	{"TestWebhookDeliveriesPage", TestWebhookDeliveriesPage},
	{"TestWebhookEditorBecomesOwner", TestWebhookEditorBecomesOwner},
	{"TestWebhookEventsAreDeliveredSigned", TestWebhookEventsAreDeliveredSigned},
	{"TestWebhookFailingForThreeDaysIsDisabled", TestWebhookFailingForThreeDaysIsDisabled},
	{"TestWebhookHonoursRetryAfter", TestWebhookHonoursRetryAfter},
	{"TestWebhookOldFailureThenQuietIsNotFailing", TestWebhookOldFailureThenQuietIsNotFailing},
	{"TestWebhookOwnerLeavingDisablesIt", TestWebhookOwnerLeavingDisablesIt},
	{"TestWebhookPingRedeliverAndDisable", TestWebhookPingRedeliverAndDisable},
	{"TestWebhookPrivateDestinationsRefused", TestWebhookPrivateDestinationsRefused},
	{"TestWebhookReadsByRole", TestWebhookReadsByRole},
	{"TestWebhookRedeliverQueuesAfresh", TestWebhookRedeliverQueuesAfresh},
	{"TestWebhookRedirectsAndAnswers", TestWebhookRedirectsAndAnswers},
	{"TestWebhookRetriesUntilDelivered", TestWebhookRetriesUntilDelivered},
	{"TestWebhookSlowReceiverHoldsUpNoOther", TestWebhookSlowReceiverHoldsUpNoOther},
	{"TestWebhookStopTakesBackTheAttempt", TestWebhookStopTakesBackTheAttempt},
	{"TestWebhookSubscriptions", TestWebhookSubscriptions},
	{"TestWebhookSurvivesKill", TestWebhookSurvivesKill},
	{"TestWebhooksNotOnASeedServer", TestWebhooksNotOnASeedServer},
}

// sqliteOnly are the tests that cannot run on PostgreSQL, and why.
var sqliteOnly = map[string]string{
	"TestDiskFullIs507AndLosesNothing": "a full disk is made with SQLite's max_page_count; PostgreSQL has no such cap to set per schema",
	"TestReadmeWebhookReceivers":       "it runs the README's receivers against a delivery, whose bytes are the same whichever store queued them",
	"TestWebhookOrderUnderLoad": "each of its 1,100 deliveries commits its outcome, which on PostgreSQL (an fsync each) takes most of a minute; " +
		"TestMultiProcessWebhooks checks the order there, with two processes sending",
	"TestOpenAPIDocumentIsValid": "it reads no database: the document is built from the route table and Go types alone",
}

// postgresOnly are the tests that cannot run on SQLite, and why. They make
// their PostgreSQL schemas themselves (pgtest.URL), and run once.
var postgresOnly = map[string]string{
	"TestMultiProcessFeed":              severalProcesses,
	"TestMultiProcessIdempotency":       severalProcesses,
	"TestMultiProcessListCache":         severalProcesses,
	"TestMultiProcessListenerReconnect": "it drops the servers' LISTEN connections to PostgreSQL; SQLite has none",
	"TestMultiProcessMembership":        severalProcesses,
	"TestMultiProcessPositions":         severalProcesses,
	"TestMultiProcessRevocation":        severalProcesses,
	"TestMultiProcessWebhooks":          severalProcesses,
	"TestRateLimitIsSharedByProcesses":  "several processes share one limit only over PostgreSQL",
}

const severalProcesses = "needs several processes over one database; SQLite is one process"

func TestOnPostgres(t *testing.T) {
	for _, tc := range onPostgresTests {
		t.Run(tc.name, tc.fn)
	}
}

// Every test of the package is in the PostgreSQL table or says why not, so
// a new test can't quietly run on SQLite alone.
func TestEveryTestRunsOnBothStores(t *testing.T) {
	files, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, tc := range onPostgresTests {
		listed[tc.name] = true
	}
	seen := map[string]bool{}
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		if f.Name.Name != "server_test" {
			continue // the package's own unit tests, below the store
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || !strings.HasPrefix(fn.Name.Name, "Test") {
				continue
			}
			n := fn.Name.Name
			if n == "TestOnPostgres" || n == "TestEveryTestRunsOnBothStores" || n == "TestMain" {
				continue
			}
			seen[n] = true
			places := 0
			for _, in := range []bool{listed[n], sqliteOnly[n] != "", postgresOnly[n] != ""} {
				if in {
					places++
				}
			}
			switch {
			case places == 0:
				t.Errorf("%s (%s) runs on SQLite only: add it to onPostgresTests, or to sqliteOnly or postgresOnly with the reason", n, name)
			case places > 1:
				t.Errorf("%s (%s) is in more than one of onPostgresTests, sqliteOnly and postgresOnly", n, name)
			}
		}
	}
	// An entry for a test that is gone would let a new test of that name
	// skip a store unremarked.
	for _, m := range []map[string]string{sqliteOnly, postgresOnly} {
		for n := range m {
			if !seen[n] {
				t.Errorf("%s is listed as running on one store only, but there is no such test", n)
			}
		}
	}
}
