#include "agent/platforms/manufactory/schema/data_type.hpp"

#include <gtest/gtest.h>

namespace mf::manufactory {
namespace {

TEST(DataType, NamesAreReadWhateverTheirCase) {
  EXPECT_EQ(parse_data_type("INTEGER"), DataType::integer);
  EXPECT_EQ(parse_data_type("integer"), DataType::integer);
  EXPECT_EQ(parse_data_type("TimeStamp"), DataType::timestamp);
  EXPECT_EQ(parse_data_type("boolean"), DataType::boolean);
  EXPECT_EQ(parse_data_type("json"), DataType::json);
  EXPECT_FALSE(parse_data_type("FLOAT"));
  EXPECT_FALSE(parse_data_type("INTEGER "));
  EXPECT_FALSE(parse_data_type(""));
  for (auto t : {DataType::text, DataType::integer, DataType::date, DataType::time, DataType::timestamp, DataType::json,
                 DataType::boolean}) {
    EXPECT_EQ(parse_data_type(type_name(t)), t);
    EXPECT_EQ(type_rule(t).substr(0, type_name(t).size()), type_name(t));
  }
}

TEST(DataType, DatesAreDaysOfTheCalendar) {
  EXPECT_TRUE(is_date("2023-04-15"));
  EXPECT_TRUE(is_date("2024-02-29"));  // a leap year
  EXPECT_TRUE(is_date("2000-02-29"));  // divisible by 400
  EXPECT_TRUE(is_date("0001-01-01"));
  EXPECT_TRUE(is_date("9999-12-31"));
  EXPECT_FALSE(is_date("2023-02-29"));
  EXPECT_FALSE(is_date("1900-02-29"));  // divisible by 100, not 400
  EXPECT_FALSE(is_date("2023-04-31"));
  EXPECT_FALSE(is_date("2023-13-01"));
  EXPECT_FALSE(is_date("2023-00-10"));
  EXPECT_FALSE(is_date("2023-01-00"));
  EXPECT_FALSE(is_date("0000-01-01"));
  EXPECT_FALSE(is_date("2023-4-15"));
  EXPECT_FALSE(is_date("2023/04/15"));
  EXPECT_FALSE(is_date("2023-04-15 "));
  EXPECT_FALSE(is_date("２023-04-15"));
  EXPECT_FALSE(is_date(""));
}

TEST(DataType, TimesAreOnATwentyFourHourClock) {
  EXPECT_TRUE(is_time("14:10:00"));
  EXPECT_TRUE(is_time("00:00:00"));
  EXPECT_TRUE(is_time("23:59:59"));
  EXPECT_FALSE(is_time("24:00:00"));
  EXPECT_FALSE(is_time("12:60:00"));
  EXPECT_FALSE(is_time("12:00:60"));
  EXPECT_FALSE(is_time("14:10"));
  EXPECT_FALSE(is_time("2:10:00"));
  EXPECT_FALSE(is_time("14:10:00.5"));
  EXPECT_FALSE(is_time("14-10-00"));
}

TEST(DataType, TimestampsHaveASpaceNotAT) {
  EXPECT_TRUE(is_timestamp("2023-04-15 14:10:00"));
  EXPECT_TRUE(is_timestamp("2024-02-29 23:59:59"));
  EXPECT_FALSE(is_timestamp("2023-04-15T14:10:00"));
  EXPECT_FALSE(is_timestamp("2023-04-15 14:10:00Z"));
  EXPECT_FALSE(is_timestamp("2023-04-15 24:00:00"));
  EXPECT_FALSE(is_timestamp("2023-02-29 10:00:00"));
  EXPECT_FALSE(is_timestamp("2023-04-15"));
  EXPECT_FALSE(is_timestamp("2023-04-15  14:10:00"));
}

}  // namespace
}  // namespace mf::manufactory
