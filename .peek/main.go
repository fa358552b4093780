package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, err := mongo.Connect(options.Client().ApplyURI(os.Args[1]).SetServerSelectionTimeout(3 * time.Second))
	if err != nil {
		panic(err)
	}
	for _, db := range os.Args[2:] {
		names, err := c.Database(db).ListCollectionNames(ctx, bson.D{})
		if err != nil {
			fmt.Println(db, err)
			return
		}
		for _, n := range names {
			k, err := c.Database(db).Collection(n).EstimatedDocumentCount(ctx)
			fmt.Println(db, n, k, err)
		}
	}
}
