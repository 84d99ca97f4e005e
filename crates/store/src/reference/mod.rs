//! Reference data shipped inside the binary: administrative divisions (GB/T 2260, 2023)
//! and the 2022 occupation classification. Loading is idempotent.

pub mod occupation;
pub mod region;
pub mod work_type;

use sea_orm::{ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, Set};

const DIVISIONS_CSV: &str = include_str!("../../refdata/divisions.csv");
const OCCUPATIONS_CSV: &str = include_str!("../../refdata/occupations-2022.csv");

fn rows(csv_text: &str) -> Result<Vec<csv::StringRecord>, DbErr> {
    let mut r = csv::Reader::from_reader(csv_text.as_bytes());
    r.records()
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| DbErr::Custom(format!("reference csv: {e}")))
}

fn opt(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

/// Load divisions and occupations if the tables are empty. Returns (regions, occupations) loaded.
pub async fn load<C: ConnectionTrait>(db: &C) -> Result<(usize, usize), DbErr> {
    let mut loaded = (0, 0);
    if region::Entity::find().count(db).await? == 0 {
        // Three cities without counties (Dongguan, Zhongshan, Danzhou) also appear as a
        // county row under the same code; the first (city) row is kept.
        let mut seen = std::collections::HashSet::new();
        let models: Vec<region::ActiveModel> = rows(DIVISIONS_CSV)?
            .iter()
            .filter(|r| seen.insert(r[0].to_string()))
            .map(|r| {
                Ok(region::ActiveModel {
                    code: Set(r[0].to_string()),
                    name: Set(r[1].to_string()),
                    level: Set(jineng_core::RegionLevel::from_stored(&r[2])
                        .map_err(|e| DbErr::Custom(e.to_string()))?),
                    parent_code: Set(opt(&r[3])),
                })
            })
            .collect::<Result<_, DbErr>>()?;
        loaded.0 = models.len();
        for chunk in models.chunks(500) {
            region::Entity::insert_many(chunk.to_vec()).exec(db).await?;
        }
    }
    if occupation::Entity::find().count(db).await? == 0 {
        let models: Vec<occupation::ActiveModel> = rows(OCCUPATIONS_CSV)?
            .iter()
            .map(|r| {
                Ok(occupation::ActiveModel {
                    code: Set(r[0].to_string()),
                    level: Set(jineng_core::occupations::OccupationRank::from_stored(&r[1])
                        .map_err(|e| DbErr::Custom(e.to_string()))?),
                    name: Set(r[2].to_string()),
                    parent_code: Set(opt(&r[3])),
                    digital: Set(&r[4] == "Y"),
                    green: Set(&r[5] == "Y"),
                })
            })
            .collect::<Result<_, DbErr>>()?;
        loaded.1 = models.len();
        for chunk in models.chunks(500) {
            occupation::Entity::insert_many(chunk.to_vec())
                .exec(db)
                .await?;
        }
    }
    Ok(loaded)
}
